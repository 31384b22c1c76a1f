// ifgan-classify: images to attribute records, or accuracy on a labelled split.
#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "nn/model.hpp"
#include "jobs/pipeline.hpp"
#include "core/util.hpp"

using namespace ifgan;

static int classify_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-classify", "Attribute probabilities for images, from an ifgan model's ŷ head or a classifier.");
    opts.positional_help("[IMAGE...|-]");
    add_model_option(opts, "model file (ifgan or classifier)");
    add_compute_options(opts);
    opts.add_options()(
        "threshold", "write 0/1 instead of probabilities", cxxopts::value<double>())(
        "data", "classify a labelled data set and report accuracy", cxxopts::value<std::string>())(
        "split", "with --data: train, val, test or all", cxxopts::value<std::string>()->default_value("test"))(
        "summary", "with --data: print only the summary")(
        "images", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"images"});
    auto r = parse_options(opts, argc, argv);
    const std::string model = model_path(r);
    const ComputeOptions co = compute_options(r);
    ClassifyOptions o;
    o.batch = co.batch;
    o.threads = co.threads;
    if (r.count("threshold")) {
        o.threshold = r["threshold"].as<double>();
        if (!(o.threshold >= 0 && o.threshold <= 1)) throw UsageError("--threshold must be in [0, 1]");
    }
    o.summary_only = r.count("summary") > 0;
    set_threads(o.threads);
    auto emit = [](const std::string& s) { write_stdout(s); };
    if (r.count("data")) {
        if (r.count("images")) throw UsageError("--data and image arguments exclude each other");
        parse_split(r["split"].as<std::string>());
        Model m = Model::load(model, kPartEncoder);
        write_stdout(classify_dataset(m, r["data"].as<std::string>(), r["split"].as<std::string>(), o, emit));
        return 0;
    }
    if (o.summary_only) throw UsageError("--summary needs --data");
    std::vector<std::string> inputs = input_list(positional(r, "images"));
    if (inputs.empty()) throw UsageError("no images (name them, or list them one per line on stdin)");
    Model m = Model::load(model, kPartEncoder);
    classify_images(m, inputs, o, emit);
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-classify", argc, argv, classify_main); }
