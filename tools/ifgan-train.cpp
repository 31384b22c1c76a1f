// ifgan-train: trains an IFcVAE-GAN (or the independent classifier) and
// writes a model file, with checkpoints every epoch and --resume. The options
// are the training configuration's table (lib/nn/train_config.hpp).
#include <cxxopts.hpp>

#include <cstdlib>

#include "core/cli.hpp"
#include "core/launch.hpp"
#include "core/util.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"

using namespace ifgan;

// torchrun's environment, as the defaults of --world-size, --rank, --master.
static void take_environment(TrainConfig& c) {
    auto env = [](const char* k) -> std::string {
        const char* v = std::getenv(k);
        return v ? v : "";
    };
    auto number = [&](const char* k, long& out) {
        std::string v = env(k);
        if (v.empty()) return;
        if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 6)
            throw UsageError(std::string(k) + "='" + v + "' is not a number");
        out = std::stol(v);
    };
    number("WORLD_SIZE", c.world_size);
    number("RANK", c.rank);
    std::string addr = env("MASTER_ADDR"), port = env("MASTER_PORT");
    if (!addr.empty() || !port.empty())
        c.master = (addr.empty() ? "127.0.0.1" : addr) + ":" + (port.empty() ? "29500" : port);
}

// The command line each rank of --nproc runs: the same, without --nproc,
// with its share of the cores unless --threads says otherwise.
static std::vector<std::string> rank_command(const std::vector<std::string>& args, const TrainConfig& c, bool threads_given) {
    std::vector<std::string> out;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--nproc") {
            ++i;
            continue;
        }
        if (args[i].rfind("--nproc=", 0) == 0) continue;
        out.push_back(args[i]);
    }
    if (!threads_given) out.push_back("--threads=" + std::to_string(std::max(1L, long(default_threads()) / c.nproc)));
    return out;
}

static int train_main(int argc, char** argv) {
    std::vector<std::string> args = spell_aliases(argc, argv);
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    cxxopts::Options opts("ifgan-train", "Train an IFcVAE-GAN attribute editor, or an attribute classifier.");
    opts.add_options("Recipe")("recipe", std::string(recipe_choices()) + ": fast learns the edit in its 10 epochs, "
                                          "paper is the exact reproduction (see the man page); the options below "
                                          "override its values, and show the default recipe's",
                               cxxopts::value<std::string>()->default_value(kDefaultRecipe), "NAME");
    TrainConfig shown = recipe(kDefaultRecipe);  // its values, and this machine's thread count
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
    take_environment(c);
    apply_train_options(r, c);
    if (c.nproc > 0) {
        validate(c);  // usage errors once, before any rank starts
        return launch_local_ranks(rank_command(args, c, r.count("threads") > 0), int(c.nproc), c.dist_timeout + 10);
    }
    return run_training(std::move(c));
}

int main(int argc, char** argv) { return run_tool("ifgan-train", argc, argv, train_main); }
