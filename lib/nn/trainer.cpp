// ifgan-train's engine: data, the IFcVAE-GAN step of PAPER.md, validation,
// sample sheets, logs, checkpoints, resume and signals.
#include <ATen/autocast_mode.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <numeric>

#include "checkpoint.hpp"
#include "cli.hpp"
#include "dataset.hpp"
#include "losses.hpp"
#include "step.hpp"
#include "train.hpp"
#include "util.hpp"

namespace ifgan {

using nlohmann::json;

void apply_recipe(const std::string& name, TrainOptions& o) {
    if (name == "paper") return;  // the defaults are the paper
    if (name == "fast") {
        // Chosen by measurement on synthetic faces (docs/results.md). Each
        // departure from the paper, and why:
        o.optimizer = "adam";          // RMSprop 2e-4 left the ŷ head near chance for epochs
        o.lr = 5e-4;
        o.f = 32;                      // 4x fewer FLOPs: more steps in the budget
        o.alpha = 0.05;                // KL ÷ nz beside rec ÷ side² acts like a β-VAE with
                                       // β ≈ 41 at 64 px: z collapsed (KL ≈ 2 nats per image)
        o.decoder_input = "label";     // the decoder learns to use y from the first step
        o.head = "attached";
        o.rho = 50;                    // the class terms are batch means beside batch sums
        o.beta = 10;
        o.beta_samples = true;         // classify G(y, z_p) too: G must draw y itself
        o.adversary = "confusion";     // the paper's −γ·BCE diverged (z and KL blew up)
        o.gamma = 2;
        o.delta = 0;                   // with the GAN at this budget: edits 74% / 88% and
                                       // reconstruction MSE 0.038, against 98% / 100% and 0.015
        return;
    }
    throw UsageError("unknown recipe '" + name + "' (paper, fast)");
}

namespace {

std::atomic<int> g_signal{0};
void on_stop_signal(int sig) { g_signal = sig; }

// The per-step numbers the log and the progress bar show.
struct Terms {
    std::vector<std::pair<std::string, double>> v;
    void add(const std::string& k, double x) {
        for (auto& p : v)
            if (p.first == k) {
                p.second += x;
                return;
            }
        v.emplace_back(k, x);
    }
    double get(const std::string& k) const {
        for (auto& p : v)
            if (p.first == k) return p.second;
        return 0;
    }
};

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o, std::vector<torch::Tensor> params,
                                                        double rms_alpha) {
    if (o.optimizer == "adam")
        return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.lr).betas({0.5, 0.999}));
    if (o.optimizer == "rmsprop")
        return std::make_unique<torch::optim::RMSprop>(params, torch::optim::RMSpropOptions(o.lr).alpha(rms_alpha));
    throw UsageError("unknown optimizer '" + o.optimizer + "' (rmsprop, adam)");
}

json options_json(const TrainOptions& o) {
    return {{"epochs", o.epochs},       {"batch", o.batch},       {"lr", o.lr},
            {"alpha", o.alpha},         {"beta", o.beta},         {"gamma", o.gamma},
            {"delta", o.delta},         {"rho", o.rho},           {"seed", o.seed},
            {"precision", o.precision}, {"optimizer", o.optimizer}, {"decoder_input", o.decoder_input},
            {"head", o.head},           {"adversary", o.adversary}, {"aux_input", o.aux_input}, {"aux_steps", o.aux_steps}, {"aux_standardize", o.aux_standardize}, {"beta_samples", o.beta_samples}, {"hflip", o.hflip},       {"data", o.data}};
}

void options_from_json(const json& j, TrainOptions& o) {
    o.batch = j.value("batch", o.batch);
    o.lr = j.value("lr", o.lr);
    o.alpha = j.value("alpha", o.alpha);
    o.beta = j.value("beta", o.beta);
    o.gamma = j.value("gamma", o.gamma);
    o.delta = j.value("delta", o.delta);
    o.rho = j.value("rho", o.rho);
    o.seed = j.value("seed", o.seed);
    o.optimizer = j.value("optimizer", o.optimizer);
    o.decoder_input = j.value("decoder_input", o.decoder_input);
    o.head = j.value("head", o.head);
    o.adversary = j.value("adversary", o.adversary);
    o.aux_input = j.value("aux_input", o.aux_input);
    o.aux_steps = j.value("aux_steps", o.aux_steps);
    o.aux_standardize = j.value("aux_standardize", o.aux_standardize);
    o.beta_samples = j.value("beta_samples", o.beta_samples);
    o.hflip = j.value("hflip", o.hflip);
}

class Trainer {
public:
    explicit Trainer(TrainOptions opt) : o(std::move(opt)), gen(at::detail::createCPUGenerator(o.seed)) {}
    int run();

private:
    TrainOptions o;
    Dataset ds;
    std::vector<size_t> train_idx, val_idx;
    ImageCache train_cache, val_cache;
    Networks nets;
    std::unique_ptr<torch::optim::Optimizer> opt_eg, opt_a, opt_d;
    at::Generator gen;
    int64_t step = 0, epoch = 0, batch_pos = 0;  // epoch: completed epochs
    int64_t saved_step = 0;                      // the step of the last checkpoint written
    std::string last_fp;
    std::ofstream log;
    std::chrono::steady_clock::time_point t_start;

    bool is_classifier() const { return nets.config.kind == "classifier"; }
    void load_data(const ModelConfig* resumed);
    void build(const ModelConfig& c);
    std::vector<NamedOptimizer> optimizers();
    void save();
    std::vector<size_t> epoch_order(int64_t e) const;
    void batch(const std::vector<size_t>& order, int64_t b, torch::Tensor& x, torch::Tensor& y);
    Terms step_ifgan(const torch::Tensor& x, const torch::Tensor& y);
    Terms step_classifier(const torch::Tensor& x, const torch::Tensor& y);
    json validate();
    void sample_sheet();
    void write_log(const json& j);
};

void Trainer::load_data(const ModelConfig* resumed) {
    ds = load_dataset(o.data, resumed ? resumed->attrs : o.attrs);
    if (ds.k() == 0) throw Error(o.data + ": no attributes");
    train_idx = ds.indices(kTrain);
    val_idx = ds.indices(kVal);
    if (train_idx.empty()) throw Error(o.data + ": the train split is empty");
    if (val_idx.empty()) throw Error(o.data + ": the validation split is empty");
    if (size_t(o.batch) > train_idx.size())
        throw Error("--batch " + std::to_string(o.batch) + " is larger than the train split (" +
                    std::to_string(train_idx.size()) + " images)");
    if (val_idx.size() > size_t(o.val_limit)) val_idx.resize(size_t(o.val_limit));
    if (resumed) {
        o.crop = resumed->crop;
        o.size = resumed->size;
    } else if (o.crop == "auto") {
        // CelebA's aligned 178x218 images get the celeba box; anything else is resized whole.
        Image first = read_image(ds.path(train_idx[0]));
        o.crop = (ds.layout == "celeba" && first.width == 178 && first.height == 218) ? "celeba" : "none";
    }
    CacheOptions co;
    co.size = o.size;
    co.crop = parse_crop(o.crop);
    co.threads = o.threads;
    co.persist = o.cache;
    Progress bar("loading images", train_idx.size() + val_idx.size());
    co.progress = [&](size_t d, size_t) { bar.update(d); };
    train_cache = build_cache(ds, train_idx, co);
    co.progress = [&](size_t d, size_t) { bar.update(train_idx.size() + d); };
    val_cache = build_cache(ds, val_idx, co);
    bar.finish();
    message("train: " + balance_report(ds, train_idx));
    message("val:   " + balance_report(ds, val_idx));
}

void Trainer::build(const ModelConfig& c) {
    torch::manual_seed(o.seed);  // weight initialisation
    nets = make_networks(c, kPartAll);
    // oneDNN's convolutions prefer NHWC: +3-10% per step (docs/performance.md).
    for (auto& m : nets.modules()) to_channels_last(*m);
    if (is_classifier()) {
        opt_d = make_optimizer(o, params_of({nets.D.ptr()}), 0.99);
    } else {
        opt_eg = make_optimizer(o, params_of({nets.E.ptr(), nets.G.ptr()}), 0.99);
        opt_a = make_optimizer(o, params_of({nets.A.ptr()}), 0.99);
        opt_d = make_optimizer(o, params_of({nets.D.ptr()}), 0.9);
    }
}

std::vector<NamedOptimizer> Trainer::optimizers() {
    if (is_classifier()) return {{"D", opt_d.get()}};
    return {{"EG", opt_eg.get()}, {"A", opt_a.get()}, {"D", opt_d.get()}};
}

void Trainer::save() {
    json meta = {{"step", step}, {"epoch", epoch}, {"batch_in_epoch", batch_pos}, {"training", options_json(o)},
                 {"created_by", std::string("ifgan-train ") + kVersion}};
    last_fp = save_model(o.out, nets, meta, optimizers(), gen.get_state());
    saved_step = step;
}

// The order of the train split in epoch e: a function of (seed, e) only, so a
// resumed run sees the same batches.
std::vector<size_t> Trainer::epoch_order(int64_t e) const {
    std::vector<size_t> order(train_idx.size());
    std::iota(order.begin(), order.end(), 0);
    Rng rng(fnv1a(&e, sizeof e, o.seed * 0x9E3779B97F4A7C15ull + 1));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng.next() % i)]);
    return order;
}

void Trainer::batch(const std::vector<size_t>& order, int64_t b, torch::Tensor& x, torch::Tensor& y) {
    const int64_t B = o.batch, k = int64_t(ds.k());
    auto idx = torch::empty({B}, torch::kInt64);
    auto yt = torch::empty({B, k}, torch::kFloat32);
    // Raw pointers: per-element Tensor indexing costs a dispatch each.
    int64_t* ip = idx.data_ptr<int64_t>();
    float* yp = yt.data_ptr<float>();
    for (int64_t i = 0; i < B; ++i) {
        size_t pos = order[size_t(b * B + i)];
        ip[i] = int64_t(pos);
        for (int64_t a = 0; a < k; ++a) yp[i * k + a] = float(ds.label(train_idx[pos], size_t(a)));
    }
    auto all = torch::from_blob(train_cache.data.data(), {int64_t(train_cache.count), 3, o.size, o.size},
                                torch::kUInt8);
    x = all.index_select(0, idx).to(torch::kFloat32).div_(255.0f).contiguous(torch::MemoryFormat::ChannelsLast);
    if (o.hflip) {
        // Flip every other image of the batch, chosen by the epoch order (deterministic).
        auto mask = (idx.remainder(2) == 1);
        x = torch::where(mask.view({B, 1, 1, 1}), x.flip({3}), x);
    }
    y = yt;
}

Terms Trainer::step_ifgan(const torch::Tensor& x, const torch::Tensor& y) {
    StepWeights w;
    w.alpha = o.alpha;
    w.beta = o.beta;
    w.gamma = o.gamma;
    w.delta = o.delta;
    w.rho = o.rho;
    w.label_input = o.decoder_input == "label";
    w.bf16 = o.precision == "bf16";
    w.adversary = parse_adversary(o.adversary);
    w.aux_on_mu = o.aux_input == "mu";
    w.aux_standardize = o.aux_standardize;
    w.beta_samples = o.beta_samples;
    StepLosses l = ifgan_forward(nets, x, y, w, gen);
    if (!std::isfinite(l.eg.item<double>()) || !std::isfinite(l.dis.item<double>()) ||
        !std::isfinite(l.aux.item<double>()))
        throw Error("step " + std::to_string(step + 1) + ": the loss is not finite (rec " +
                    std::to_string(l.rec.item<double>()) + ", D " + std::to_string(l.dis.item<double>()) +
                    "); " + (last_fp.empty() ? "stopped before any checkpoint was written"
                                            : "the last good checkpoint is " + o.out + " (step " + std::to_string(saved_step) + ")"));
    opt_eg->zero_grad();
    opt_a->zero_grad();
    opt_d->zero_grad();
    ifgan_backward(nets, l);
    opt_eg->step();
    opt_a->step();
    opt_d->step();
    // A's extra updates on this batch (--aux-steps): E then faces an A closer
    // to the best predictor of y from z, not one a single step behind it.
    for (int i = 1; i < o.aux_steps; ++i) aux_update(nets, *opt_a, l.a_input, y);
    Terms t;
    for (auto& [name, v] : {std::pair<const char*, torch::Tensor&>{"rec", l.rec}, {"kl", l.kl}, {"cls", l.cls},
                            {"cls_rec", l.cls_rec}, {"aux", l.aux}, {"adv", l.adv}, {"gen", l.gen}, {"dis", l.dis}, {"eg", l.eg}})
        t.add(name, v.item<double>());
    return t;
}

Terms Trainer::step_classifier(const torch::Tensor& x, const torch::Tensor& y) {
    torch::Tensor logits;
    {
        Autocast ac(o.precision == "bf16");
        logits = nets.D->forward(x).to(torch::kFloat32);
    }
    torch::Tensor l = loss::classification(logits, y);
    if (!std::isfinite(l.item<double>()))
        throw Error("step " + std::to_string(step + 1) + ": the loss is not finite; " +
                    (last_fp.empty() ? "stopped before any checkpoint was written"
                                     : "the last good checkpoint is " + o.out + " (step " + std::to_string(saved_step) + ")"));
    opt_d->zero_grad();
    l.backward();
    opt_d->step();
    Terms t;
    t.add("cls", l.item<double>());
    t.add("acc", ((logits > 0).to(torch::kFloat32) == y).to(torch::kFloat32).mean().item<double>());
    return t;
}

// Validation on (up to val_limit images of) the val split.
json Trainer::validate() {
    torch::NoGradGuard ng;
    for (auto& m : nets.modules()) m->eval();
    const size_t n = val_cache.count, k = ds.k();
    std::vector<double> correct(k, 0), a_correct(k, 0), positives(k, 0);
    double sq = 0;
    for (size_t s = 0; s < n; s += 256) {
        size_t m = std::min<size_t>(256, n - s);
        torch::Tensor x = images_to_tensor(val_cache.image(s), m, o.size);
        auto y = torch::empty({int64_t(m), int64_t(k)});
        float* yp = y.data_ptr<float>();
        for (size_t i = 0; i < m; ++i)
            for (size_t a = 0; a < k; ++a) yp[i * k + a] = float(ds.label(val_idx[s + i], a));
        torch::Tensor logits;
        if (is_classifier()) {
            logits = nets.D->forward(x);
        } else {
            EncoderOut e = nets.E->forward(x);
            logits = e.y_logits;
            torch::Tensor dec_y = torch::sigmoid(e.y_logits);
            sq += (torch::sigmoid(nets.G->forward(dec_y, e.mu)) - x).pow(2).sum().item<double>();
            auto a_hit = ((nets.A->forward(aux_input(e.mu, o.aux_standardize)) > 0).to(torch::kFloat32) == y).to(torch::kFloat32).sum(0);
            for (size_t a = 0; a < k; ++a) a_correct[a] += a_hit[int64_t(a)].item<double>();
        }
        auto hit = ((logits > 0).to(torch::kFloat32) == y).to(torch::kFloat32).sum(0);
        auto pos = y.sum(0);
        for (size_t a = 0; a < k; ++a) {
            correct[a] += hit[int64_t(a)].item<double>();
            positives[a] += pos[int64_t(a)].item<double>();
        }
    }
    for (auto& m : nets.modules()) m->train();
    json acc, aacc, major;
    for (size_t a = 0; a < k; ++a) {
        acc[ds.attrs[a]] = correct[a] / double(n);
        aacc[ds.attrs[a]] = a_correct[a] / double(n);
        major[ds.attrs[a]] = std::max(positives[a], double(n) - positives[a]) / double(n);
    }
    json j = {{"val_images", n}, {"accuracy", acc}, {"majority", major}};
    if (!is_classifier()) {
        j["rec_mse"] = sq / (double(n) * 3 * o.size * o.size);
        j["aux_accuracy"] = aacc;
    }
    return j;
}

// 16 validation faces in rows: original, reconstruction, then each attribute
// set to 0 and to 1.
void Trainer::sample_sheet() {
    if (o.samples.empty() || is_classifier()) return;
    torch::NoGradGuard ng;
    nets.E->eval();
    nets.G->eval();
    size_t m = std::min<size_t>(16, val_cache.count);
    torch::Tensor x = images_to_tensor(val_cache.image(0), m, o.size);
    EncoderOut e = nets.E->forward(x);
    torch::Tensor yp = torch::sigmoid(e.y_logits);
    std::vector<torch::Tensor> cols = {x, torch::sigmoid(nets.G->forward(yp, e.mu))};
    for (size_t a = 0; a < ds.k(); ++a)
        for (float v : {0.0f, 1.0f}) {
            torch::Tensor yy = yp.clone();
            yy.select(1, int64_t(a)).fill_(v);
            cols.push_back(torch::sigmoid(nets.G->forward(yy, e.mu)));
        }
    nets.E->train();
    nets.G->train();
    std::vector<Image> cells;
    for (size_t i = 0; i < m; ++i)
        for (auto& c : cols) {
            torch::Tensor t = c[int64_t(i)].contiguous();
            cells.push_back(from_chw_float(t.data_ptr<float>(), o.size, o.size));
        }
    make_dirs(o.samples);
    char name[64];
    std::snprintf(name, sizeof name, "epoch-%03lld.png", static_cast<long long>(epoch));
    std::string path = join_path(o.samples, name);
    write_png(path, grid(cells, int(cols.size()), 2));
    json columns = {"original", "reconstruction"};
    for (auto& a : ds.attrs) {
        columns.push_back(a + "=0");
        columns.push_back(a + "=1");
    }
    write_log({{"sheet", path}, {"epoch", epoch}, {"columns", columns}});
}

void Trainer::write_log(const json& j) {
    if (log.is_open()) log << j.dump() << "\n" << std::flush;
}

int Trainer::run() {
    std::unique_ptr<LoadedModel> resumed;
    if (o.resume) {
        if (!file_exists(o.out)) throw Error("--resume: " + o.out + " does not exist");
        resumed = std::make_unique<LoadedModel>(load_model(o.out, kPartAll, o.kind));
        if (!resumed->meta.contains("training") || !resumed->meta.contains("step"))
            throw Error(o.out + ": holds no training state to resume from");
        options_from_json(resumed->meta["training"], o);
        gen = at::detail::createCPUGenerator(o.seed);
    }
    load_data(resumed ? &resumed->nets.config : nullptr);
    ModelConfig c;
    if (resumed) {
        c = resumed->nets.config;
    } else {
        c.kind = o.kind;
        c.size = o.size;
        c.nz = o.nz;
        c.f = o.f;
        c.detached_head = o.head != "attached";
        c.crop = o.crop;
        c.attrs = ds.attrs;
    }
    build(c);
    if (resumed) {
        // Copy the saved weights into the freshly built networks, then the optimiser and RNG state.
        auto copy = [](const auto& to_h, const auto& from_h) {
            if (to_h.is_empty() || from_h.is_empty()) return;
            auto to = to_h.ptr();
            auto from = from_h.ptr();
            torch::NoGradGuard ng;
            auto src = from->named_parameters(true);
            for (auto& p : to->named_parameters(true)) p.value().copy_(src[p.key()]);
            auto sb = from->named_buffers(true);
            for (auto& b : to->named_buffers(true)) b.value().copy_(sb[b.key()]);
        };
        copy(nets.E, resumed->nets.E);
        copy(nets.G, resumed->nets.G);
        copy(nets.D, resumed->nets.D);
        copy(nets.A, resumed->nets.A);
        torch::Tensor rng;
        load_training_state(*resumed, optimizers(), &rng);
        gen.set_state(rng);
        step = resumed->meta["step"].get<int64_t>();
        epoch = resumed->meta["epoch"].get<int64_t>();
        batch_pos = resumed->meta.value("batch_in_epoch", int64_t(0));
        message("resuming " + o.out + " at step " + std::to_string(step) + " (epoch " + std::to_string(epoch + 1) +
                ")");
        resumed.reset();
    }
    if (!o.log.empty()) {
        log.open(o.log, std::ios::app);
        if (!log) throw Error(o.log + ": cannot open for writing");
    }
    std::string blas = blas_library();
    if (blas.find("openblas") == std::string::npos)
        message("warning: BLAS is " + (blas.empty() ? std::string("unknown") : blas) +
                ", not OpenBLAS; run 'make deps' (training will be several times slower)");
    g_signal = 0;
    auto old_int = std::signal(SIGINT, on_stop_signal);
    auto old_term = std::signal(SIGTERM, on_stop_signal);
    struct Restore {
        decltype(old_int) a, b;
        ~Restore() {
            std::signal(SIGINT, a);
            std::signal(SIGTERM, b);
        }
    } restore{old_int, old_term};

    const int64_t per_epoch = int64_t(train_idx.size()) / o.batch;
    write_log({{"start", true}, {"kind", c.kind}, {"attributes", c.attrs}, {"options", options_json(o)},
               {"train_images", train_idx.size()}, {"steps_per_epoch", per_epoch}, {"threads", o.threads}});
    Terms window;
    int window_n = 0;
    auto window_start = std::chrono::steady_clock::now();
    while (epoch < o.epochs) {
        auto epoch_start = std::chrono::steady_clock::now();
        std::vector<size_t> order = epoch_order(epoch);
        Progress bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(o.epochs), size_t(per_epoch));
        for (; batch_pos < per_epoch; ++batch_pos) {
            if (o.max_steps > 0 && step >= o.max_steps) break;
            torch::Tensor x, y;
            batch(order, batch_pos, x, y);
            Terms t = is_classifier() ? step_classifier(x, y) : step_ifgan(x, y);
            ++step;
            for (auto& p : t.v) window.add(p.first, p.second);
            ++window_n;
            double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
            double ips = window_n * o.batch / std::max(secs, 1e-9);
            char extra[160];
            if (is_classifier())
                std::snprintf(extra, sizeof extra, "%.0f img/s cls %.3f", ips, t.get("cls"));
            else
                std::snprintf(extra, sizeof extra, "%.0f img/s rec %.1f cls %.3f aux %.3f", ips, t.get("rec"),
                              t.get("cls"), t.get("aux"));
            bar.update(size_t(batch_pos + 1), extra);
            if (step % o.log_every == 0) {
                json losses;
                for (auto& p : window.v) losses[p.first] = p.second / window_n;
                write_log({{"step", step}, {"epoch", epoch + 1}, {"loss", losses}, {"images_per_s", ips}, {"lr", o.lr}});
                window = Terms();
                window_n = 0;
                window_start = std::chrono::steady_clock::now();
            }
            if (g_signal) {
                ++batch_pos;
                break;
            }
        }
        bar.finish();
        if (g_signal || (o.max_steps > 0 && step >= o.max_steps && batch_pos < per_epoch)) {
            save();
            if (g_signal) {
                int sig = g_signal;
                message(std::string(sig == SIGINT ? "interrupted" : "terminated") + " at step " +
                        std::to_string(step) + "; checkpoint written to " + o.out + " (resume with --resume)");
                return 128 + sig;
            }
            message("stopped after " + std::to_string(step) + " steps (--steps); checkpoint " + o.out);
            return 0;
        }
        ++epoch;
        batch_pos = 0;
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
        json v = validate();
        v["epoch"] = epoch;
        v["step"] = step;
        v["epoch_seconds"] = secs;
        write_log(v);
        sample_sheet();
        save();
        std::string line = "epoch " + std::to_string(epoch) + "/" + std::to_string(o.epochs) + ": " +
                           std::to_string(int(secs)) + " s";
        for (auto& [a, acc] : v["accuracy"].items()) line += ", " + a + " acc " + std::to_string(acc.get<double>()).substr(0, 5);
        if (v.contains("rec_mse")) {
            line += ", rec MSE " + std::to_string(v["rec_mse"].get<double>()).substr(0, 7);
            for (auto& [a, acc] : v["aux_accuracy"].items())
                line += ", A(z) " + a + " " + std::to_string(acc.get<double>()).substr(0, 5);
        }
        message(line);
    }
    message("done: " + o.out + " (model " + last_fp + ", step " + std::to_string(step) + ")");
    return 0;
}

}  // namespace

int run_training(const TrainOptions& o) {
    if (o.kind != "ifgan" && o.kind != "classifier") throw UsageError("--kind must be ifgan or classifier");
    if (o.precision != "fp32" && o.precision != "bf16") throw UsageError("--precision must be fp32 or bf16");
    if (o.decoder_input != "prediction" && o.decoder_input != "label")
        throw UsageError("--decoder-input must be prediction or label");
    if (o.head != "detached" && o.head != "attached") throw UsageError("--head must be detached or attached");
    parse_adversary(o.adversary);  // throws a UsageError for an unknown name
    if (o.aux_input != "z" && o.aux_input != "mu") throw UsageError("--aux-input must be z or mu");
    if (o.epochs < 1 || o.batch < 1 || o.aux_steps < 1) throw UsageError("--epochs, --batch and --aux-steps must be at least 1");
    if (o.data.empty() || o.out.empty()) throw UsageError("--data and --out are required");
    if (o.kind == "ifgan" && o.attrs.empty() && !o.resume) throw UsageError("--attr is required (e.g. --attr Smiling)");
    stack_depth(o.size);
    set_threads(o.threads);
    Trainer t(o);
    return t.run();
}

}  // namespace ifgan
