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
    add_model_option(opts);
    add_compute_options(opts);
    opts.add_options()("sample", "draw z from the posterior instead of its mean")(
        "seed", "seed for --sample", cxxopts::value<unsigned long long>()->default_value("1"))(
        "images", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"images"});
    auto r = parse_options(opts, argc, argv);
    const std::string model = model_path(r);
    const ComputeOptions co = compute_options(r);
    std::vector<std::string> inputs = input_list(positional(r, "images"));
    if (inputs.empty()) throw UsageError("no images (name them, or list them one per line on stdin)");
    EncodeOptions o;
    o.batch = co.batch;
    o.threads = co.threads;
    o.sample = r.count("sample") > 0;
    o.seed = r["seed"].as<unsigned long long>();
    set_threads(o.threads);
    Model m = Model::load(model, kPartEncoder, "ifgan");
    encode_images(m, inputs, o, [](const std::string& s) { write_stdout(s); });
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-encode", argc, argv, encode_main); }
