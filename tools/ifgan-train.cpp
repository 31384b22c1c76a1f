// ifgan-train: trains an IFcVAE-GAN (or the independent classifier) and
// writes a model file, with checkpoints every epoch and --resume.
#include <cxxopts.hpp>

#include "cli.hpp"
#include "image.hpp"
#include "train.hpp"
#include "util.hpp"

using namespace ifgan;

// cxxopts cannot name a one-letter long option, and PAPER.md calls it --f.
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
    argv = ptrs.data();
    cxxopts::Options opts("ifgan-train", "Train an IFcVAE-GAN attribute editor, or an attribute classifier.");
    TrainOptions d;  // defaults: the paper
    auto s = [](auto v) { return std::to_string(v); };
    opts.add_options()("data", "data set directory (CelebA or attributes.csv layout)", cxxopts::value<std::string>())(
        "attr", "attributes, comma-separated (classifier: default all)", cxxopts::value<std::string>())(
        "o,out", "model file to write", cxxopts::value<std::string>())(
        "kind", "ifgan or classifier", cxxopts::value<std::string>()->default_value(d.kind))(
        "recipe", "paper (the exact reproduction) or fast (see the man page)",
        cxxopts::value<std::string>()->default_value("paper"))(
        "epochs", "epochs", cxxopts::value<int>())("batch", "batch size", cxxopts::value<int>())(
        "size", "image side: 32, 64 or 128", cxxopts::value<int>())("nz", "identity code size", cxxopts::value<int>())(
        "filters", "base number of filters (also spelt --f)", cxxopts::value<int>())("lr", "learning rate", cxxopts::value<double>())(
        "alpha", "weight of the KL term", cxxopts::value<double>())(
        "beta", "weight of classifying reconstructions", cxxopts::value<double>())(
        "gamma", "weight of the adversarial term on z (0: the cVAE-GAN)", cxxopts::value<double>())(
        "delta", "weight of the GAN term (0: no GAN)", cxxopts::value<double>())(
        "rho", "weight of the encoder's classifier", cxxopts::value<double>())(
        "seed", "random seed", cxxopts::value<unsigned long long>())(
        "optimizer", "rmsprop or adam", cxxopts::value<std::string>())(
        "decoder-input", "prediction (the paper) or label", cxxopts::value<std::string>())(
        "head", "detached (the paper) or attached", cxxopts::value<std::string>())(
        "beta-samples", "the β term also classifies the samples G(y, z_p)")(
        "aux-input", "what A reads: z (the paper) or mu", cxxopts::value<std::string>())(
        "aux-standardize", "A reads its input standardised per dimension over the batch")(
        "aux-steps", "updates of A per training step (the paper: 1)", cxxopts::value<int>())(
        "adversary", "paper (−γ·BCE(A(z), y)), confusion (γ·BCE(A(z), ½)), mmd or linear (closed-form tests on mu)", cxxopts::value<std::string>())(
        "precision", "fp32 or bf16", cxxopts::value<std::string>())(
        "crop", "auto, celeba, center or none", cxxopts::value<std::string>()->default_value("auto"))(
        "hflip", "flip half of the training images horizontally")(
        "resume", "continue the run saved in --out")("log", "append JSON Lines to FILE", cxxopts::value<std::string>())(
        "log-every", "steps between log lines", cxxopts::value<int>()->default_value(s(d.log_every)))(
        "samples", "write a sample sheet per epoch into DIR", cxxopts::value<std::string>())(
        "steps", "stop after N steps in total (checkpoint written)", cxxopts::value<long>())(
        "val-limit", "validation images per epoch", cxxopts::value<int>()->default_value(s(d.val_limit)))(
        "no-cache", "do not keep the preprocessed images next to the data")(
        "threads", "threads", cxxopts::value<int>()->default_value(s(default_threads())));
    auto r = parse_options(opts, argc, argv);
    if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
    TrainOptions o;
    apply_recipe(r["recipe"].as<std::string>(), o);
    // Explicit options win over the recipe.
    auto str = [&](const char* k, std::string& v) { if (r.count(k)) v = r[k].as<std::string>(); };
    auto num = [&](const char* k, auto& v) { if (r.count(k)) v = r[k].as<std::decay_t<decltype(v)>>(); };
    str("data", o.data);
    str("out", o.out);
    str("kind", o.kind);
    str("optimizer", o.optimizer);
    str("decoder-input", o.decoder_input);
    str("head", o.head);
    str("adversary", o.adversary);
    str("aux-input", o.aux_input);
    str("precision", o.precision);
    str("crop", o.crop);
    str("log", o.log);
    str("samples", o.samples);
    num("epochs", o.epochs);
    num("batch", o.batch);
    num("size", o.size);
    num("nz", o.nz);
    num("filters", o.f);
    num("lr", o.lr);
    num("alpha", o.alpha);
    num("beta", o.beta);
    num("gamma", o.gamma);
    num("delta", o.delta);
    num("rho", o.rho);
    num("aux-steps", o.aux_steps);
    if (r.count("aux-standardize")) o.aux_standardize = true;
    o.log_every = r["log-every"].as<int>();
    o.val_limit = r["val-limit"].as<int>();
    o.threads = r["threads"].as<int>();
    if (r.count("seed")) o.seed = r["seed"].as<unsigned long long>();
    if (r.count("steps")) o.max_steps = r["steps"].as<long>();
    if (r.count("attr")) o.attrs = split(r["attr"].as<std::string>(), ',');
    o.resume = r.count("resume") > 0;
    o.hflip = r.count("hflip") > 0;
    if (r.count("beta-samples")) o.beta_samples = true;
    o.cache = r.count("no-cache") == 0;
    if (!r.count("data")) throw UsageError("--data DIR is required");
    if (!r.count("out")) throw UsageError("--out FILE is required");
    if (o.log_every < 1) throw UsageError("--log-every must be at least 1");
    if (o.threads < 1) throw UsageError("--threads must be at least 1");
    parse_crop(o.crop == "auto" ? "none" : o.crop);
    return run_training(o);
}

int main(int argc, char** argv) { return run_tool("ifgan-train", argc, argv, train_main); }
