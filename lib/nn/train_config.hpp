// The training configuration: one typed struct, the table that maps it to
// command-line options and to JSON (the model file and the log), the named
// recipes, and one validate(). A lean header: no LibTorch, no cxxopts.
//
// Adding a training option: a member below, a line in visit_options(), its
// check in validate() (train_config.cpp), and its entry in ifgan-train(1).
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/cxxopts_fwd.hpp"
#include "nn/model.hpp"


namespace ifgan {

enum class Kind { ifgan, classifier };
enum class Precision { fp32, bf16 };
enum class Optimizer { rmsprop, adam };
// What the decoder is given as y while reconstructing: the encoder's estimate
// ŷ (the paper's code) or the true label.
enum class DecoderInput { prediction, label };
// Whether the ŷ head reads stop-gradient features (the paper's code).
enum class Head { detached, attached };
// With skips, what the edit is where the gates are shut: G(y, z)'s image as
// it is, or that region redrawn by the decoder with maps (ModelConfig::redraw).
enum class Fill { plain, redraw };
// With skips, what level 0 carries: the features of a 3 x 3 convolution of
// the image, or those and the image itself (ModelConfig::skip_image).
enum class Level0 { features, image };
// How the decoder draws the pixels from its last maps (ModelConfig::pixel_conv):
// the last up-convolution straight to the three channels (the paper's), or
// an up-convolution, a ReLU and a 3 x 3 convolution at the image's side.
enum class Pixels { upconv, conv };
// E's γ term, how E fights for a code without the attribute.
enum class Adversary {
    // The paper's −BCE(A(z), y): unbounded below, so E can win by making A
    // confidently wrong (which still leaks y, and was seen to blow z up).
    paper,
    // BCE(A(z), ½), which E minimises by making A's prediction uninformative.
    confusion,
    // Experimental, beyond the paper: loss::linear_separation of the
    // batch-standardised mu, the closed-form optimum of a linear adversary
    // (Fisher's discriminant). A still trains, as a monitor.
    linear,
};
// What A reads: z (the paper) or the posterior mean mu.
enum class AuxInput { z, mu };
// How every BCE term is computed (nn/losses.hpp): from logits, exactly, or
// as PyTorch 0.3 computed it on sigmoid outputs, bounded (the authors' code).
enum class BceForm { logits, bounded };
// What z A and E's γ term read: the decoder's sample, or a fresh sample
// from the same posterior (the authors' code calls re_param again).
enum class AuxZ { shared, fresh };
// The networks' initial weights: LibTorch's, or PyTorch 0.3's (BatchNorm
// weights U(0, 1); transposed convolutions U(±1/sqrt(fan-in)) with the
// fan-in of their input channels), as the authors' code started from.
enum class Init { libtorch, torch03 };
// Beyond the paper: LEACE, closed-form linear erasure of the attributes from
// the identity code (lib/nn/eraser.hpp, docs/erasure.md).
enum class Erase { none, leace };

// The names of an enum's values, for options, JSON and messages.
template <class E>
struct EnumNames;
#define IFGAN_ENUM_NAMES(E, ...)                                                \
    template <>                                                                 \
    struct EnumNames<E> {                                                       \
        static constexpr std::pair<E, const char*> values[] = {__VA_ARGS__};    \
    };
IFGAN_ENUM_NAMES(Kind, {Kind::ifgan, "ifgan"}, {Kind::classifier, "classifier"})
IFGAN_ENUM_NAMES(Precision, {Precision::fp32, "fp32"}, {Precision::bf16, "bf16"})
IFGAN_ENUM_NAMES(Optimizer, {Optimizer::rmsprop, "rmsprop"}, {Optimizer::adam, "adam"})
IFGAN_ENUM_NAMES(DecoderInput, {DecoderInput::prediction, "prediction"}, {DecoderInput::label, "label"})
IFGAN_ENUM_NAMES(Head, {Head::detached, "detached"}, {Head::attached, "attached"})
IFGAN_ENUM_NAMES(Fill, {Fill::plain, "plain"}, {Fill::redraw, "redraw"})
IFGAN_ENUM_NAMES(Level0, {Level0::features, "features"}, {Level0::image, "image"})
IFGAN_ENUM_NAMES(Pixels, {Pixels::upconv, "upconv"}, {Pixels::conv, "conv"})
IFGAN_ENUM_NAMES(Adversary, {Adversary::paper, "paper"}, {Adversary::confusion, "confusion"},
                 {Adversary::linear, "linear"})
IFGAN_ENUM_NAMES(AuxInput, {AuxInput::z, "z"}, {AuxInput::mu, "mu"})
IFGAN_ENUM_NAMES(Erase, {Erase::none, "none"}, {Erase::leace, "leace"})
IFGAN_ENUM_NAMES(BceForm, {BceForm::logits, "logits"}, {BceForm::bounded, "bounded"})
IFGAN_ENUM_NAMES(AuxZ, {AuxZ::shared, "shared"}, {AuxZ::fresh, "fresh"})
IFGAN_ENUM_NAMES(Init, {Init::libtorch, "libtorch"}, {Init::torch03, "torch03"})
#undef IFGAN_ENUM_NAMES

template <class E>
const char* enum_name(E e) {
    for (const auto& [v, n] : EnumNames<E>::values)
        if (v == e) return n;
    return "?";
}
// False when `name` is none of E's names.
template <class E>
bool enum_from_name(const std::string& name, E& out) {
    for (const auto& [v, n] : EnumNames<E>::values)
        if (name == n) {
            out = v;
            return true;
        }
    return false;
}
// "a, b or c", for messages.
template <class E>
std::string enum_choices() {
    std::string s;
    const size_t n = std::size(EnumNames<E>::values);
    for (size_t i = 0; i < n; ++i) s += (i ? (i + 1 == n ? " or " : ", ") : "") + std::string(EnumNames<E>::values[i].second);
    return s;
}

struct TrainConfig {
    // Data and files.
    std::string data, out, log, samples;
    std::string judge;      // a classifier that judges edits at each validation (empty: none)
    int judge_faces = 256;  // validation faces it judges
    std::vector<std::string> attrs;  // empty: every attribute (classifier only)
    Kind kind = Kind::ifgan;
    std::string crop = "auto";  // auto, celeba, center, none
    bool hflip = false;
    bool no_cache = false;
    int val_limit = 2000;
    // The model.
    int size = 64, nz = 100, f = 64;
    int decoder_f = 0;  // the decoder's base filters, 0: f (ModelConfig::decoder_f)
    int skips = 0;  // encoder maps the decoder is given, gated (ModelConfig::skips)
    Fill fill = Fill::plain;  // with skips: the withheld region as G(y, z) drew it, or redrawn (ModelConfig::redraw)
    Level0 level0 = Level0::features;  // with skips: level 0 also carries the image (ModelConfig::skip_image)
    Pixels pixels = Pixels::upconv;    // the decoder's last stage (ModelConfig::pixel_conv)
    double edit_sparsity = 0;  // with skips: weight of the size of G's own edit (0: off)
    double feature_rec = 0;    // weight of reconstructing in D's features (0: off)
    double landmarks = 0;      // weight of reading the landmarks from (z, y) (0: off)
    double critic_fraction = 1;  // at --delta 0, D trains on this share of each batch
    Head head = Head::detached;
    // The losses: the paper's weights and terms.
    double alpha = 1, beta = 1, gamma = 1, delta = 1, rho = 1;
    DecoderInput decoder_input = DecoderInput::prediction;
    Adversary adversary = Adversary::paper;
    bool beta_samples = false;  // β also classifies the samples G(y, z_p)
    Erase erase = Erase::none;
    // The authors' numerics.
    BceForm bce = BceForm::bounded;
    AuxZ aux_z = AuxZ::fresh;
    Init init = Init::torch03;
    // The optimiser.
    Optimizer optimizer = Optimizer::rmsprop;
    double lr = 2e-4;
    int epochs = 10, batch = 64;
    Precision precision = Precision::fp32;
    uint64_t seed = 1;
    // The run.
    bool resume = false;
    long steps = 0;  // stop after this many steps in total (0: no limit)
    int log_every = 50;
    int threads = 1;
    // Several processes, data parallel (lib/nn/dist.hpp): the environment's
    // WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT as torchrun sets them,
    // unless the options say otherwise; or --nproc N ranks started here.
    long world_size = 1, rank = 0, nproc = 0;
    std::string master = "127.0.0.1:29500";
    double dist_timeout = 300;
    // Experimental: measured, no gain so far (docs/results.md).
    AuxInput aux_input = AuxInput::z;
    bool aux_standardize = false;  // A reads its input standardised over the batch
};

enum class OptionGroup { data, model, losses, optimiser, run, distributed, experimental };
// How an option lives on after the command line.
enum class Keep {
    logged,   // written to the log and the model file
    restored, // also read back by --resume (it defines the run)
    model,    // part of the model's own config: --resume takes it from there (model_fields)
};

struct OptionInfo {
    const char* flag;  // "--flag"; its JSON key is the flag with '_' for '-'
    const char* arg;   // the argument's name in --help ("" for a switch)
    const char* help;
    OptionGroup group;
    Keep keep;
    const char* short_flag = nullptr;  // also -X
    // Also --X for a one-letter X, which cxxopts takes only as -X: the
    // command line is rewritten for it (spell_aliases).
    const char* long_alias = nullptr;
};

// Calls v(member, info) for every option, in --help order.
template <class C, class V>
void visit_options(C& c, V&& v) {
    using G = OptionGroup;
    v(c.data, OptionInfo{"data", "DIR", "data set directory (CelebA or attributes.csv layout)", G::data, Keep::logged});
    v(c.attrs, OptionInfo{"attr", "LIST", "attributes, comma-separated (classifier: default all)", G::data, Keep::logged});
    v(c.out, OptionInfo{"out", "FILE", "model file to write (and to resume)", G::data, Keep::logged, "o"});
    v(c.kind, OptionInfo{"kind", "KIND", "ifgan or classifier", G::data, Keep::logged});
    v(c.crop, OptionInfo{"crop", "CROP", "auto, celeba, center or none", G::data, Keep::model});
    v(c.hflip, OptionInfo{"hflip", "", "flip a fresh random half of the training images each epoch", G::data, Keep::restored});
    v(c.no_cache, OptionInfo{"no-cache", "", "do not keep the preprocessed images next to the data", G::data, Keep::logged});
    v(c.val_limit, OptionInfo{"val-limit", "N", "validation images per epoch", G::data, Keep::logged});
    v(c.size, OptionInfo{"size", "PX", "image side: 32, 64 or 128", G::model, Keep::model});
    v(c.nz, OptionInfo{"nz", "N", "identity code size", G::model, Keep::model});
    v(c.f, OptionInfo{"filters", "N", "base number of filters", G::model, Keep::model, nullptr, "f"});
    v(c.decoder_f, OptionInfo{"decoder-filters", "N", "the decoder's base number of filters (0: --filters); it "
                                                      "draws what an edit withholds from the photo",
                              G::experimental, Keep::model});

    v(c.head, OptionInfo{"head", "HEAD", "detached (the paper) or attached", G::model, Keep::model});
    v(c.alpha, OptionInfo{"alpha", "X", "weight of the KL term", G::losses, Keep::restored});
    v(c.beta, OptionInfo{"beta", "X", "weight of classifying reconstructions", G::losses, Keep::restored});
    v(c.gamma, OptionInfo{"gamma", "X", "weight of the adversarial term on z (0: the cVAE-GAN)", G::losses, Keep::restored});
    v(c.delta, OptionInfo{"delta", "X", "weight of the GAN term (0: no GAN)", G::losses, Keep::restored});
    v(c.rho, OptionInfo{"rho", "X", "weight of the encoder's classifier", G::losses, Keep::restored});
    v(c.decoder_input, OptionInfo{"decoder-input", "WHAT", "prediction (the paper) or label", G::losses, Keep::restored});
    v(c.adversary, OptionInfo{"adversary", "TERM",
                              "paper (−γ·BCE(A(z), y)), confusion (γ·BCE(A(z), ½)) or linear (experimental)",
                              G::losses, Keep::restored});
    v(c.erase, OptionInfo{"erase", "HOW",
                          "none (the paper) or leace: erase the attributes linearly from the code the decoder "
                          "and A see, and from every code the model's encoder writes",
                          G::losses, Keep::restored});
    v(c.bce, OptionInfo{"bce", "FORM", "bounded (PyTorch 0.3's, on sigmoid outputs: the authors' code) or logits (exact)",
                        G::losses, Keep::restored});
    v(c.aux_z, OptionInfo{"aux-z", "WHICH", "the z A and the γ term read: fresh (a sample of its own: the authors' "
                                            "code) or shared (the decoder's)", G::losses, Keep::restored});
    v(c.init, OptionInfo{"init", "HOW", "initial weights: torch03 (PyTorch 0.3's: the authors' code) or libtorch",
                         G::model, Keep::logged});
    v(c.beta_samples, OptionInfo{"beta-samples", "", "the β term also classifies the samples G(y, z_p)", G::losses, Keep::restored});
    v(c.optimizer, OptionInfo{"optimizer", "NAME", "rmsprop or adam", G::optimiser, Keep::restored});
    v(c.lr, OptionInfo{"lr", "X", "learning rate", G::optimiser, Keep::restored});
    v(c.epochs, OptionInfo{"epochs", "N", "epochs", G::optimiser, Keep::logged});
    v(c.batch, OptionInfo{"batch", "N", "batch size", G::optimiser, Keep::restored});
    v(c.precision, OptionInfo{"precision", "P", "fp32 or bf16", G::optimiser, Keep::restored});
    v(c.seed, OptionInfo{"seed", "N", "random seed", G::optimiser, Keep::restored});
    v(c.resume, OptionInfo{"resume", "", "continue the run saved in --out", G::run, Keep::logged});
    v(c.steps, OptionInfo{"steps", "N", "stop after N steps in total (checkpoint written; 0: no limit)", G::run, Keep::logged});
    v(c.log, OptionInfo{"log", "FILE", "append JSON Lines to FILE", G::run, Keep::logged});
    v(c.log_every, OptionInfo{"log-every", "N", "steps between log lines", G::run, Keep::logged});
    v(c.samples, OptionInfo{"samples", "DIR", "write a sample sheet per epoch into DIR", G::run, Keep::logged});
    v(c.judge, OptionInfo{"judge", "FILE",
                          "an independent classifier that judges edits of validation faces after every epoch "
                          "(log: judged_edits, each attribute set to the opposite of its label)",
                          G::run, Keep::logged});
    v(c.judge_faces, OptionInfo{"judge-faces", "N", "validation faces --judge judges", G::run, Keep::logged});
    v(c.threads, OptionInfo{"threads", "N", "threads", G::run, Keep::logged});
    v(c.nproc, OptionInfo{"nproc", "N", "start N ranks on this machine and wait for them (0: this process trains)",
                          G::distributed, Keep::logged});
    v(c.world_size, OptionInfo{"world-size", "N", "ranks in all (default: $WORLD_SIZE, or 1)", G::distributed, Keep::logged});
    v(c.rank, OptionInfo{"rank", "N", "this process's rank, 0 to N-1 (default: $RANK)", G::distributed, Keep::logged});
    v(c.master, OptionInfo{"master", "HOST:PORT", "rank 0's address (default: $MASTER_ADDR:$MASTER_PORT, or 127.0.0.1:29500)",
                           G::distributed, Keep::logged});
    v(c.dist_timeout, OptionInfo{"dist-timeout", "S", "seconds a rank waits for the others before it gives up",
                                 G::distributed, Keep::logged});
    v(c.skips, OptionInfo{"skips", "N", "encoder feature maps passed to the decoder where an edit leaves the face "
                                        "alone (0: none, the paper)", G::model, Keep::model});
    v(c.level0, OptionInfo{"level0", "WHAT", "with --skips, what the finest level carries: features (of a 3 x 3 "
                                             "convolution of the image) or image (those and the image's own logits, "
                                             "so that the photo's pixels pass where the edit leaves the face alone)",
                           G::model, Keep::model});
    v(c.pixels, OptionInfo{"pixels", "HOW", "how the decoder draws the pixels from its last maps: upconv (a 3 x 3 "
                                            "up-convolution to the three channels, the paper's) or conv (an "
                                            "up-convolution to half as many maps, a ReLU and a 3 x 3 convolution "
                                            "at the image's side)",
                           G::model, Keep::model});
    v(c.fill, OptionInfo{"fill", "HOW", "with --skips, what an edit is where it withholds the maps: plain (the "
                                        "decoder's image without maps, G(y, z)) or redraw (that region redrawn by the "
                                        "decoder with maps, from the encoder's maps of G(y, z))",
                         G::experimental, Keep::model});
    v(c.edit_sparsity, OptionInfo{"edit-sparsity", "X", "with --skips: weight of the L1 size of the decoder's own "
                                                        "edit, which keeps the withheld region where the attribute is",
                                  G::experimental, Keep::restored});
    v(c.landmarks, OptionInfo{"landmarks", "X", "weight of reading each face's five landmarks from (z, y) by a "
                                                "linear head trained with E, so that z holds the face's geometry "
                                                "(0: off; without the data set's landmarks, or with --hflip, the "
                                                "recipe's goes)",
                              G::losses, Keep::restored});
    v(c.feature_rec, OptionInfo{"feature-rec", "X", "weight of reconstructing x in the features of D's third "
                                                    "layer (Larsen et al.); trains D as the GAN does, also at "
                                                    "--delta 0",
                                G::losses, Keep::restored});
    v(c.critic_fraction, OptionInfo{"critic-fraction", "X", "at --delta 0, where D only gives --feature-rec its "
                                                            "features: run and train D on the first X of each "
                                                            "batch's images (0 < X <= 1)",
                                    G::losses, Keep::restored});
    v(c.aux_input, OptionInfo{"aux-input", "WHAT", "what A reads: z (the paper) or mu", G::experimental, Keep::restored});
    v(c.aux_standardize, OptionInfo{"aux-standardize", "", "A reads its input standardised over the batch",
                                    G::experimental, Keep::restored});
}

// The options marked Keep::model beside the ModelConfig member each is,
// once: f(train_member, model_member) for every pair.
template <class F>
void model_fields(TrainConfig& t, ModelConfig& m, F&& f) {
    f(t.kind, m.kind);
    f(t.crop, m.crop);
    f(t.size, m.size);
    f(t.nz, m.nz);
    f(t.f, m.f);
    f(t.decoder_f, m.decoder_f);
    f(t.skips, m.skips);
    f(t.fill, m.redraw);
    f(t.level0, m.skip_image);
    f(t.pixels, m.pixel_conv);
    f(t.head, m.detached_head);
    f(t.erase, m.erase);
}
// The model a fresh run builds, with the data set's attributes and frame.
ModelConfig model_config(TrainConfig c, const std::vector<std::string>& attrs, const std::vector<double>& frame);
// --resume: what the model file's config says of the options it holds.
void take_model_options(ModelConfig m, TrainConfig& c);

// The named recipes: "fast" (measured; the man page and
// docs/recipe-search.md say why each value), "paper" (the struct's own
// defaults: the paper and its authors' code), and "classifier", the default
// of --kind classifier. UsageError otherwise.
TrainConfig recipe(const std::string& name);
// ifgan-train's recipe when none is named: the one that learns the edit in
// its default number of epochs (docs/results.md).
inline constexpr const char* kDefaultRecipe = "fast";
// "fast, paper or classifier", for --help and messages.
const char* recipe_choices();

// Throws UsageError naming the first option that is out of range. Run
// before any work is done.
void validate(const TrainConfig& c);
// "HOST:PORT" -> its parts; false when it is not that.
bool split_host_port(const std::string& s, std::string& host, int& port);

// The options as JSON (every option, keys as in OptionInfo).
nlohmann::json options_to_json(const TrainConfig& c);
// Reads back the options marked Keep::restored that `j` holds; the others
// keep their values. Throws Error naming `file` on a bad value.
void restore_options(const nlohmann::json& j, TrainConfig& c, const std::string& file);

// ifgan-train's command line, made from the table: registers the options
// (one --help group each), and applies those given on top of `c`.
void add_train_options(cxxopts::Options& opts, const TrainConfig& defaults);
// The --help groups in their order.
std::vector<std::string> train_option_groups();
void apply_train_options(const cxxopts::ParseResult& r, TrainConfig& c);
// argv with the table's one-letter long aliases (--f N, --f=N) spelt as
// their options.
std::vector<std::string> spell_aliases(int argc, char** argv);

}  // namespace ifgan
