#include "nn/train_config.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>

#include "core/align.hpp"
#include "core/image.hpp"
#include "core/util.hpp"
#include "nn/networks.hpp"  // stack_depth: the image-size rule

namespace ifgan {

using nlohmann::json;

const char* recipe_choices() { return "fast, paper or classifier"; }

TrainConfig recipe(const std::string& name) {
    TrainConfig c;
    if (name == "paper") return c;  // the defaults are the paper
    if (name == "classifier") {
        // The independent judge (--kind classifier without --recipe): Adam at
        // 5e-4 and 32 base filters rose steadily over 6 epochs on synthetic
        // faces, where RMSprop at 2e-4 with 64 filters was seen to fall from
        // 99.3% to 82.3% between its first two epochs.
        c.kind = Kind::classifier;
        c.bce = BceForm::logits;  // the judge is ifgan's own, not the authors'
        c.init = Init::libtorch;
        c.optimizer = Optimizer::adam;
        c.lr = 5e-4;
        c.f = 32;
        return c;
    }
    if (name != "fast") throw UsageError(std::string("--recipe must be ") + recipe_choices());
    // Chosen by measurement on synthetic faces (docs/recipe-search.md). Each
    // departure from the paper, and why:
    c.optimizer = Optimizer::adam;  // RMSprop 2e-4 left the ŷ head near chance for epochs
    c.lr = 5e-4;
    c.f = 32;                       // 4x fewer FLOPs: more steps in the budget
    c.alpha = 0.05;                 // KL ÷ nz beside rec ÷ side² acts like a β-VAE with
                                    // β ≈ 41 at 64 px: z collapsed (KL ≈ 2 nats per image)
    c.decoder_input = DecoderInput::label;  // the decoder learns to use y from the first step
    c.head = Head::attached;
    c.rho = 50;                     // the class terms are batch means beside batch sums
    c.beta = 10;
    c.beta_samples = true;          // classify G(y, z_p) too: G must draw y itself
    c.adversary = Adversary::confusion;  // the paper's −γ·BCE diverged (z and KL blew up)
    c.gamma = 2;
    c.delta = 0;                    // with the GAN at this budget: edits 74% / 88% and
                                    // reconstruction MSE 0.038, against 98% / 100% and 0.015
    c.bce = BceForm::logits;        // exact, and it keeps pushing where the bounded form stops
    c.aux_z = AuxZ::shared;
    c.init = Init::libtorch;
    c.skips = 3;                    // the face kept: 21 -> 33 dB, other attributes 72.5% -> 98.9%
    c.feature_rec = 1;              // and the new attribute drawn sharp: without it glasses were
                                    // added to 39% of the faces, and new mouths were blurs
    c.level0 = Level0::image;       // the photo's own pixels where the gates are open: edit SSIM
                                    // against the truth 0.839 -> 0.928 at the demo's budget
    c.landmarks = 0.1;              // the mouth's geometry in the code: added smiles made 0.55 -> 0.74
                                    // of the true change, pasted error ratio 0.30 -> 0.27
    c.pixels = Pixels::conv;        // no grid of period 2: 1.09-1.13 -> 1.01-1.02 of the truth's over
                                    // three seeds, reconstruction 38-39 -> 45-46 dB
    c.critic_fraction = 0.5;        // and its time paid for: D, which only gives L_feat its features,
                                    // trains on half of each batch (the step 1.08-1.17x -> 0.99-1.01x
                                    // of the recipe before; 49.1 dB, edit SSIM 0.961, pasted 0.24)
    return c;
}

namespace {

std::string flag(const OptionInfo& i) { return std::string("--") + i.flag; }

// D serves E and G through L_feat's features alone (no GAN term), so it may
// train on part of each batch (--critic-fraction).
bool critic_only_for_features(const TrainConfig& c) { return c.delta == 0 && c.feature_rec != 0; }

void require(bool ok, const OptionInfo& i, const std::string& what) {
    if (!ok) throw UsageError(flag(i) + " " + what);
}

// The checks of one option, by its type; the cross-option checks follow in validate().
struct RangeCheck {
    void operator()(const int& v, const OptionInfo& i) const {
        const std::string name = i.flag;
        bool may_be_zero = name == "val-limit" || name == "skips" || name == "decoder-filters";
        require(v >= (may_be_zero ? 0 : 1), i, may_be_zero ? "must not be negative" : "must be at least 1");
    }
    void operator()(const long& v, const OptionInfo& i) const { require(v >= 0, i, "must not be negative"); }
    void operator()(const double& v, const OptionInfo& i) const {
        require(std::isfinite(v), i, "must be a finite number");
        if (std::string(i.flag) == "lr") require(v > 0, i, "must be positive");
        else require(v >= 0, i, "must not be negative");
    }
    template <class T>
    void operator()(const T&, const OptionInfo&) const {}
};

}  // namespace

void validate(const TrainConfig& c) {
    visit_options(c, RangeCheck{});
    if (c.data.empty()) throw UsageError("--data DIR is required");
    if (c.out.empty()) throw UsageError("--out FILE is required");
    if (c.kind == Kind::ifgan && c.attrs.empty() && !c.resume)
        throw UsageError("--attr is required (e.g. --attr Smiling)");
    std::set<std::string> seen;
    for (const auto& a : c.attrs) {
        if (a.empty()) throw UsageError("--attr: an empty attribute name");
        if (!seen.insert(a).second) throw UsageError("--attr: '" + a + "' is named twice");
    }
    if (c.crop != "auto") parse_crop(c.crop);  // throws a UsageError for an unknown name
    const int depth = stack_depth(c.size);
    if (c.skips > depth)
        throw UsageError("--skips must be at most " + std::to_string(depth) + " at --size " + std::to_string(c.size));
    if (c.edit_sparsity > 0 && c.skips == 0) throw UsageError("--edit-sparsity needs --skips");
    if (c.landmarks > 0 && c.hflip) throw UsageError("--landmarks cannot be used with --hflip (the landmarks are not flipped)");
    if (c.landmarks > 0 && c.kind == Kind::classifier) throw UsageError("--landmarks trains an editor's code; a classifier has none");
    if (c.critic_fraction != 1 && !critic_only_for_features(c))
        throw UsageError("--critic-fraction below 1 needs --delta 0 and --feature-rec (the GAN term reads D for every image)");
    if (c.critic_fraction <= 0 || c.critic_fraction > 1) throw UsageError("--critic-fraction must be above 0 and at most 1");
    if (c.fill == Fill::redraw && c.skips == 0) throw UsageError("--fill redraw needs --skips");
    if (c.level0 == Level0::image && c.skips == 0) throw UsageError("--level0 image needs --skips");
    if (c.pixels == Pixels::conv && c.kind == Kind::classifier)
        throw UsageError("--pixels conv changes an editor's decoder; a classifier has none");
    if (c.pixels == Pixels::conv && c.f < 2)
        throw UsageError("--pixels conv needs --filters 2 or more (its last maps are half the filters)");
    if (c.nz > 100000 || c.f > 4096 || c.decoder_f > 4096)
        throw UsageError("--nz must be at most 100000, --filters and --decoder-filters at most 4096");
    if (c.decoder_f && c.kind == Kind::classifier) throw UsageError("--decoder-filters sizes an editor's decoder; a classifier has none");
    if (c.pixels == Pixels::conv && c.decoder_f == 1)
        throw UsageError("--pixels conv needs --decoder-filters 2 or more (its last maps are half the filters)");
    if (c.world_size < 1) throw UsageError("--world-size must be at least 1");
    if (c.kind == Kind::classifier && !c.judge.empty())
        throw UsageError("--judge judges an editor's edits; a classifier makes none");
    if (c.rank >= c.world_size)
        throw UsageError("--rank " + std::to_string(c.rank) + " is not below --world-size " + std::to_string(c.world_size));
    if (c.nproc > 0 && c.world_size > 1) throw UsageError("--nproc starts its own ranks: not with --world-size or WORLD_SIZE");
    if (c.nproc > 256) throw UsageError("--nproc must be at most 256");
    if (!(c.dist_timeout > 0)) throw UsageError("--dist-timeout must be positive");
    std::string host;
    int port = 0;
    if (!split_host_port(c.master, host, port)) throw UsageError("--master must be HOST:PORT (port 1 to 65535)");
}

bool split_host_port(const std::string& s, std::string& host, int& port) {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
    host = s.substr(0, colon);
    const std::string p = s.substr(colon + 1);
    if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    port = std::stoi(p);
    return port >= 1 && port <= 65535;
}

namespace {

struct ToJson {
    json& j;
    template <class T>
    void operator()(const T& v, const OptionInfo& i) const {
        std::string key = i.flag;
        for (char& ch : key)
            if (ch == '-') ch = '_';
        if constexpr (std::is_enum_v<T>) j[key] = enum_name(v);
        else j[key] = v;
    }
};

struct FromJson {
    const json& j;
    const std::string& file;
    template <class T>
    void operator()(T& v, const OptionInfo& i) const {
        if (i.keep != Keep::restored) return;
        std::string key = i.flag;
        for (char& ch : key)
            if (ch == '-') ch = '_';
        if (!j.contains(key)) return;  // older files: the default
        try {
            if constexpr (std::is_enum_v<T>) {
                if (!enum_from_name(j[key].get<std::string>(), v))
                    throw Error(file + ": trained with --" + i.flag + " " + j[key].get<std::string>() +
                                ", which this version of ifgan does not have (" + enum_choices<T>() + ")");
            } else {
                v = j[key].get<T>();
            }
        } catch (const json::exception&) {
            throw Error(file + ": damaged training options (" + key + ")");
        }
    }
};

}  // namespace

namespace {

// One member to the other, either way; the enums as the model file spells them.
struct ToModel {
    template <class T>
    void operator()(const T& t, T& m) const { m = t; }
    void operator()(const Head& t, bool& detached) const { detached = t == Head::detached; }
    void operator()(const Fill& t, bool& redraw) const { redraw = t == Fill::redraw; }
    void operator()(const Level0& t, bool& image) const { image = t == Level0::image; }
    void operator()(const Pixels& t, bool& conv) const { conv = t == Pixels::conv; }
    template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
    void operator()(const E& t, std::string& m) const { m = enum_name(t); }
};
struct FromModel {
    template <class T>
    void operator()(T& t, const T& m) const { t = m; }
    void operator()(Head& t, const bool& detached) const { t = detached ? Head::detached : Head::attached; }
    void operator()(Fill& t, const bool& redraw) const { t = redraw ? Fill::redraw : Fill::plain; }
    void operator()(Level0& t, const bool& image) const { t = image ? Level0::image : Level0::features; }
    void operator()(Pixels& t, const bool& conv) const { t = conv ? Pixels::conv : Pixels::upconv; }
    template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
    void operator()(E& t, const std::string& m) const {
        if (!enum_from_name(m, t)) throw Error("a model config of an unknown kind: '" + m + "'");
    }
};

}  // namespace

ModelConfig model_config(TrainConfig c, const std::vector<std::string>& attrs, const std::vector<double>& frame) {
    ModelConfig m;
    model_fields(c, m, [](auto& t, auto& mm) { ToModel{}(t, mm); });
    m.attrs = attrs;
    m.frame = frame;
    return m;
}

void take_model_options(ModelConfig m, TrainConfig& c) {
    model_fields(c, m, [](auto& t, auto& mm) { FromModel{}(t, mm); });
}

json options_to_json(const TrainConfig& c) {
    json j = json::object();
    visit_options(c, ToJson{j});
    return j;
}

void restore_options(const json& j, TrainConfig& c, const std::string& file) {
    if (!j.is_object()) throw Error(file + ": damaged training options");
    visit_options(c, FromJson{j, file});
}

namespace {

const char* group_name(OptionGroup g) {
    switch (g) {
        case OptionGroup::data: return "Data";
        case OptionGroup::model: return "Model";
        case OptionGroup::losses: return "Losses (the paper's weights and terms)";
        case OptionGroup::optimiser: return "Optimiser";
        case OptionGroup::run: return "Run";
        case OptionGroup::distributed: return "Several processes (data parallel)";
        case OptionGroup::experimental: return "Experimental (measured no gain so far; may change)";
    }
    return "";
}

template <class T>
std::string default_text(const T& v) {
    if constexpr (std::is_enum_v<T>) return enum_name(v);
    else if constexpr (std::is_same_v<T, std::string>) return v;
    else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::vector<std::string>>) return "";
    else if constexpr (std::is_floating_point_v<T>) return json(v).dump();
    else return std::to_string(v);
}

struct AddOption {
    cxxopts::Options& opts;
    template <class T>
    void operator()(const T& v, const OptionInfo& i) const {
        std::string help = i.help, def = default_text(v);
        if (i.long_alias) help += std::string(" (also spelt --") + i.long_alias + ")";
        if (!def.empty()) help += " (default " + def + ")";
        std::string name = i.short_flag ? std::string(i.short_flag) + "," + i.flag : i.flag;
        auto adder = opts.add_options(group_name(i.group));
        if constexpr (std::is_same_v<T, bool>) adder(name, help);
        else adder(name, help, cxxopts::value<std::string>(), i.arg);
    }
};

// Numbers are read here, not by cxxopts, so that every message names the option.
template <class T>
T parse_number(const std::string& s, const OptionInfo& i) {
    const char* b = s.c_str();
    char* end = nullptr;
    errno = 0;
    T v{};
    if constexpr (std::is_floating_point_v<T>) v = std::strtod(b, &end);
    else if constexpr (std::is_unsigned_v<T>) v = (s.find('-') == std::string::npos) ? std::strtoull(b, &end, 10) : 0;
    else {
        long long x = std::strtoll(b, &end, 10);
        if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max()) errno = ERANGE;
        v = T(x);
    }
    bool ok = !s.empty() && end && *end == 0 && errno == 0 && (!std::is_unsigned_v<T> || s.find('-') == std::string::npos);
    if (!ok) throw UsageError(flag(i) + ": '" + s + "' is not " + (std::is_floating_point_v<T> ? "a number" : "an integer in range"));
    return v;
}

struct ApplyOption {
    const cxxopts::ParseResult& r;
    template <class T>
    void operator()(T& v, const OptionInfo& i) const {
        if (!r.count(i.flag)) return;
        if constexpr (std::is_same_v<T, bool>) {
            v = true;
            return;
        } else {
            std::string s = r[i.flag].template as<std::string>();
            if constexpr (std::is_enum_v<T>) {
                if (!enum_from_name(s, v)) throw UsageError(flag(i) + " must be " + enum_choices<T>());
            } else if constexpr (std::is_same_v<T, std::string>) {
                v = s;
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                v.clear();
                for (auto& a : split(s, ',')) v.push_back(trim(a));
            } else {
                v = parse_number<T>(s, i);
            }
        }
    }
};

}  // namespace

void add_train_options(cxxopts::Options& opts, const TrainConfig& defaults) {
    visit_options(defaults, AddOption{opts});
}

std::vector<std::string> train_option_groups() {
    std::vector<std::string> g;
    for (OptionGroup o : {OptionGroup::data, OptionGroup::model, OptionGroup::losses, OptionGroup::optimiser,
                          OptionGroup::run, OptionGroup::distributed, OptionGroup::experimental})
        g.push_back(group_name(o));
    return g;
}

void apply_train_options(const cxxopts::ParseResult& r, TrainConfig& c) {
    visit_options(c, ApplyOption{r});
    // --skips 0 on a recipe with skips: no level 0 to carry the image.
    if (r.count("skips") && c.skips == 0 && !r.count("level0")) c.level0 = Level0::features;
    // The recipe's landmark term where it cannot be: without the data set's
    // landmarks, or with --hflip (they are not mirrored), the run goes
    // without it. A --landmarks given is checked by validate() and the data.
    if (!r.count("landmarks") && c.landmarks > 0 &&
        (c.hflip || c.kind == Kind::classifier || !file_exists(join_path(c.data, kAlignedLandmarkFile))))
        c.landmarks = 0;
    // The recipe's half batch for D where D serves more than L_feat (the
    // GAN term) or nothing: the whole batch. A classifier has no decoder.
    if (!r.count("critic-fraction") && !critic_only_for_features(c)) c.critic_fraction = 1;
    if (!r.count("pixels") && c.kind == Kind::classifier) c.pixels = Pixels::upconv;
    // The recipe's skips at a size with fewer layers: as many as it has. A
    // --skips given is checked by validate(), and so is the size.
    if (!r.count("skips")) try {
            c.skips = std::min(c.skips, stack_depth(c.size));
        } catch (const UsageError&) {
        }
}

std::vector<std::string> spell_aliases(int argc, char** argv) {
    std::vector<std::pair<std::string, std::string>> aliases;  // "--f" -> "--filters"
    const TrainConfig any;
    visit_options(any, [&](const auto&, const OptionInfo& i) {
        if (i.long_alias) aliases.emplace_back(std::string("--") + i.long_alias, std::string("--") + i.flag);
    });
    std::vector<std::string> args(argv, argv + argc);
    for (auto& a : args)
        for (const auto& [alias, flag] : aliases) {
            if (a == alias) a = flag;
            else if (a.rfind(alias + "=", 0) == 0) a = flag + a.substr(alias.size());
        }
    return args;
}

}  // namespace ifgan
