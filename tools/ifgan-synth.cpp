// ifgan-synth: writes a synthetic face data set with known ground truth.
#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"

using namespace ifgan;

static int synth_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-synth", "Write synthetic faces in the CelebA layout, with identities and counterfactuals.");
    opts.add_options()("o,out", "output directory", cxxopts::value<std::string>())(
        "n,count", "number of faces", cxxopts::value<long>()->default_value("1000"))(
        "s,seed", "random seed", cxxopts::value<unsigned long long>()->default_value("1"))(
        "size", "image side in pixels", cxxopts::value<int>()->default_value("64"))(
        "attrs", "attributes to vary (Smiling,Eyeglasses,Wearing_Hat)",
        cxxopts::value<std::string>()->default_value("Smiling,Eyeglasses,Wearing_Hat"))(
        "sheet", "also write a contact sheet of the first 64 faces beside their counterfactuals",
        cxxopts::value<std::string>())("sheet-attr", "attribute flipped on the sheet",
                                       cxxopts::value<std::string>()->default_value("Smiling"))(
        "wild", "also put the first N test faces into larger photos (wild/), with landmarks and counterfactual photos",
        cxxopts::value<long>()->default_value("0"))(
        "only-wild", "write only the wild photos (the data set of the same --count and --seed exists)")(
        "celeba-frame", "write 178x218 JPEGs in CelebA's geometry and split proportions (202599 faces: its exact splits)")(
        "threads", "worker threads", cxxopts::value<int>()->default_value(std::to_string(default_threads())));
    auto r = parse_options(opts, argc, argv);
    if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
    if (r.count("sheet")) {
        write_png(r["sheet"].as<std::string>(),
                  synth_contact_sheet(r["seed"].as<unsigned long long>(), 64, r["size"].as<int>(),
                                      r["sheet-attr"].as<std::string>()));
        if (!r.count("out")) return 0;
    }
    if (!r.count("out")) throw UsageError("--out DIR is required");
    if (r["count"].as<long>() < 1) throw UsageError("--count must be at least 1");
    SynthOptions o;
    o.out = r["out"].as<std::string>();
    o.count = size_t(r["count"].as<long>());
    o.seed = r["seed"].as<unsigned long long>();
    o.size = r["size"].as<int>();
    o.attrs = split(r["attrs"].as<std::string>(), ',');
    o.threads = std::max(1, r["threads"].as<int>());
    if (r["wild"].as<long>() < 0) throw UsageError("--wild must be 0 or more");
    o.wild = size_t(r["wild"].as<long>());
    o.only_wild = r.count("only-wild") > 0;
    o.celeba_frame = r.count("celeba-frame") > 0;
    if (o.celeba_frame && r.count("size")) throw UsageError("--celeba-frame fixes the image size (178x218); drop --size");
    if (o.only_wild && o.wild == 0) throw UsageError("--only-wild needs --wild N");
    Progress bar("faces", o.count);
    o.progress = [&](size_t d, size_t n) { bar.update(d, ""); (void)n; };
    write_synthetic_dataset(o);
    bar.finish();
    message("wrote " + std::to_string(o.count) + " faces to " + o.out + " in " +
            std::to_string(int(bar.elapsed() * 1000)) + " ms");
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-synth", argc, argv, synth_main); }
