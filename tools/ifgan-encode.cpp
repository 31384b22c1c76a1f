// ifgan-encode: images to latent records (JSON Lines on stdout).
#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "nn/model.hpp"
#include "jobs/pipeline.hpp"
#include "core/util.hpp"

using namespace ifgan;

static int encode_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-encode", "Encode images into latent records: identity code z and attributes y.");
    opts.positional_help("[IMAGE...|-]");
    opts.add_options()("m,model", "model file (.ifgan)", cxxopts::value<std::string>())(
        "batch", "images per batch", cxxopts::value<int>()->default_value("64"))(
        "sample", "draw z from the posterior instead of its mean")(
        "seed", "seed for --sample", cxxopts::value<unsigned long long>()->default_value("1"))(
        "threads", "threads (default: the cores, half of them inside a pipe)",
        cxxopts::value<int>()->default_value(std::to_string(default_compute_threads())))(
        "images", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"images"});
    auto r = parse_options(opts, argc, argv);
    if (!r.count("model")) throw UsageError("--model FILE is required");
    std::vector<std::string> inputs = input_list(positional(r, "images"));
    if (inputs.empty()) throw UsageError("no images (name them, or list them one per line on stdin)");
    EncodeOptions o;
    o.batch = r["batch"].as<int>();
    o.threads = r["threads"].as<int>();
    o.sample = r.count("sample") > 0;
    o.seed = r["seed"].as<unsigned long long>();
    set_threads(o.threads);
    Model m = Model::load(r["model"].as<std::string>(), kPartEncoder, "ifgan");
    encode_images(m, inputs, o, [](const std::string& s) { write_stdout(s); });
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-encode", argc, argv, encode_main); }
