// ifgan-train: trains an IFcVAE-GAN (or the independent classifier) and
// writes a model file, with checkpoints every epoch and --resume. The options
// are the training configuration's table (lib/nn/train_config.hpp).
#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "core/util.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"

using namespace ifgan;

// cxxopts cannot name a one-letter long option, and the paper calls it --f.
static std::vector<std::string> spell_f_as_filters(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    for (auto& a : args) {
        if (a == "--f") a = "--filters";
        else if (a.rfind("--f=", 0) == 0) a = "--filters=" + a.substr(4);
    }
    return args;
}

static int train_main(int argc, char** argv) {
    std::vector<std::string> args = spell_f_as_filters(argc, argv);
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    cxxopts::Options opts("ifgan-train", "Train an IFcVAE-GAN attribute editor, or an attribute classifier.");
    opts.add_options("Recipe")("recipe", "paper (the exact reproduction) or fast (see the man page); the options "
                                          "below override its values",
                               cxxopts::value<std::string>()->default_value("paper"), "NAME");
    TrainConfig shown;  // the paper's values, and this machine's thread count
    shown.threads = default_threads();
    add_train_options(opts, shown);
    std::vector<std::string> groups = train_option_groups();
    groups.insert(groups.begin(), "Recipe");
    auto r = parse_options(opts, int(ptrs.size()), ptrs.data(), groups);
    if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
    // --kind classifier has its own measured default recipe.
    bool judge = r.count("kind") && r["kind"].as<std::string>() == "classifier";
    TrainConfig c = recipe(r.count("recipe") || !judge ? r["recipe"].as<std::string>() : "classifier");
    c.threads = default_threads();
    apply_train_options(r, c);
    return run_training(std::move(c));
}

int main(int argc, char** argv) { return run_tool("ifgan-train", argc, argv, train_main); }
