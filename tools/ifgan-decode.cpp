// ifgan-decode: latent records (stdin) to images.
#include <cxxopts.hpp>
#include <fstream>
#include <iostream>

#include "core/cli.hpp"
#include "nn/model.hpp"
#include "jobs/pipeline.hpp"
#include "core/util.hpp"

using namespace ifgan;

static int decode_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-decode", "Decode latent records into images.");
    opts.positional_help("[RECORDS.jsonl|-]");
    add_model_option(opts);
    add_compute_options(opts, "records");
    add_paste_style_options(opts);
    add_edit_options(opts);
    opts.add_options()(
        "out", "write <stem of id><suffix>.png files into DIR", cxxopts::value<std::string>())(
        "o", "'-': write the one image as PNG to stdout", cxxopts::value<std::string>())(
        "suffix", "file name suffix with --out", cxxopts::value<std::string>()->default_value("-edit"))(
        "sheet", "also write every image into one grid (a row per id)", cxxopts::value<std::string>())(
        "paste", "with --out: paste each edit into its source photo, written at the photo's own size and format")(
        "force", "decode records made by another model")(
        "input", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"input"});
    auto r = parse_options(opts, argc, argv);
    const std::string model = model_path(r);
    const ComputeOptions co = compute_options(r);
    DecodeOptions o;
    if (r.count("out")) o.out_dir = r["out"].as<std::string>();
    if (r.count("o")) {
        if (r["o"].as<std::string>() != "-") throw UsageError("-o takes only '-' (stdout); use --out DIR for files");
        o.to_stdout = true;
    }
    if (r.count("sheet")) o.sheet = r["sheet"].as<std::string>();
    if (o.out_dir.empty() && !o.to_stdout && o.sheet.empty()) throw UsageError("say where images go: --out DIR, -o - or --sheet FILE");
    if (o.to_stdout && !o.out_dir.empty()) throw UsageError("-o - and --out DIR exclude each other");
    o.suffix = r["suffix"].as<std::string>();
    o.paste = r.count("paste") > 0;
    o.style = paste_style_options(r);
    if (o.paste && (o.out_dir.empty() || o.to_stdout || !o.sheet.empty()))
        throw UsageError("--paste writes photos into --out DIR (not -o - or --sheet)");
    o.force = r.count("force") > 0;
    o.batch = co.batch;
    std::vector<std::string> files = positional(r, "input");
    o.threads = co.threads;
    set_threads(o.threads);
    const EditStyle style = edit_style_options(r);
    Model m = Model::load(model, kPartDecoder, "ifgan");
    m.set_edit_style(style);
    std::ifstream file;
    std::string name;
    std::istream& in = open_input(files, file, name);
    RecordReader reader(in, name);
    size_t n = decode_stream(m, reader, o);
    if (!o.out_dir.empty()) message("wrote " + std::to_string(n) + " images to " + o.out_dir);
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-decode", argc, argv, decode_main); }
