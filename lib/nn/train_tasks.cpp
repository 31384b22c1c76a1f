#include "nn/train_tasks.hpp"

#include <cstdio>

#include "core/util.hpp"
#include "nn/model.hpp"
#include "nn/losses.hpp"
#include "nn/step.hpp"

namespace ifgan {

using nlohmann::json;

void Terms::add(const std::string& k, double x) {
    for (auto& p : v)
        if (p.first == k) {
            p.second += x;
            return;
        }
    v.emplace_back(k, x);
}

void TrainTask::sync_gradients() {
    if (!dist) return;
    std::vector<torch::Tensor> params;
    for (const auto& m : nets.modules())
        for (const auto& p : m->parameters(true))
            if (p.requires_grad()) params.push_back(p);
    dist->average_gradients(params);
}

double Terms::get(const std::string& k) const {
    for (auto& p : v)
        if (p.first == k) return p.second;
    return 0;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, std::vector<torch::Tensor> params,
                                                        double rms_alpha) {
    if (c.optimizer == Optimizer::adam)
        return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr).betas({0.5, 0.999}));
    return std::make_unique<torch::optim::RMSprop>(params, torch::optim::RMSpropOptions(c.lr).alpha(rms_alpha));
}

namespace {

constexpr size_t kValBatch = 256;

// Per-attribute hits of logits > 0 against 0/1 labels, over batches.
struct Accuracy {
    std::vector<double> hits;
    void add(const torch::Tensor& logits, const torch::Tensor& y) {
        auto h = ((logits > 0).to(torch::kFloat32) == y).to(torch::kFloat32).sum(0);
        hits.resize(size_t(h.size(0)), 0.0);
        for (size_t a = 0; a < hits.size(); ++a) hits[a] += h[int64_t(a)].item<double>();
    }
    json by_name(const std::vector<std::string>& attrs, size_t n) const {
        json j = json::object();
        for (size_t a = 0; a < attrs.size() && a < hits.size(); ++a) j[attrs[a]] = hits[a] / double(n);
        return j;
    }
};

// The larger class's share per attribute: what a constant guess scores.
json majority(const TrainData& d) {
    json j;
    const size_t n = d.val_idx.size();
    for (size_t a = 0; a < d.ds.k(); ++a) {
        size_t pos = 0;
        for (size_t i : d.val_idx) pos += d.ds.label(i, a);
        j[d.ds.attrs[a]] = double(std::max(pos, n - pos)) / double(n);
    }
    return j;
}

// Networks in eval mode for the scope, without gradients.
struct EvalScope {
    torch::NoGradGuard ng;
    const Networks& n;
    explicit EvalScope(const Networks& nets) : n(nets) {
        for (auto& m : n.modules()) m->eval();
    }
    ~EvalScope() {
        for (auto& m : n.modules()) m->train();
    }
};

// The first n faces of an encoding.
EncoderOut first_rows(const EncoderOut& e, int64_t n) {
    EncoderOut out{e.mu.narrow(0, 0, n), e.logvar.narrow(0, 0, n), e.y_logits.narrow(0, 0, n), {}};
    for (const auto& t : e.skips) out.skips.push_back(t.narrow(0, 0, n));
    return out;
}

class EditorTask : public TrainTask {
public:
    EditorTask(const TrainConfig& c, Networks n)
        : TrainTask(std::move(n)), weights_(step_weights(c)), run_(step_run(c)), judge_faces_(size_t(c.judge_faces)) {
        if (!c.judge.empty()) load_judge(c.judge);
        // The landmark head, trained with E and G; kept in the model file as
        // training state, so that --resume continues it.
        if (c.landmarks > 0) nets.L = landmark_head(c.nz, int64_t(nets.config.k()));
        opt_eg_ = make_optimizer(c, eg_parameters(nets));
        opt_a_ = make_optimizer(c, params_of({nets.A.ptr()}));
        opt_d_ = make_optimizer(c, params_of({nets.D.ptr()}), 0.9);  // the paper's D: smoothing 0.9
    }

    std::vector<NamedOptimizer> optimizers() override { return {{"EG", opt_eg_.get()}, {"A", opt_a_.get()}, {"D", opt_d_.get()}}; }
    std::vector<std::pair<std::string, torch::nn::Module*>> extra_state() override {
        if (nets.L.is_empty()) return {};
        return {{"landmarks", nets.L.ptr().get()}};
    }

    // Each rank draws the noise of the whole global batch and takes its part.
    void join(DistGroup* g) override {
        TrainTask::join(g);
        run_.shard = g->rank();
        run_.shards = g->world();
    }

    Terms step(const Batch& b, at::Generator& gen) override {
        StepLosses l = ifgan_forward(nets, b.x, b.y, weights_, run_, gen, b.marks);
        for (auto* o : {opt_eg_.get(), opt_a_.get(), opt_d_.get()}) o->zero_grad();
        if (!dist) {
            ifgan_backward(nets, l);
        } else {
            // E and G hold most of the gradient bytes: their sums travel
            // while A and D run their backward passes.
            std::shared_ptr<DistGroup::Pending> eg_sums;
            ifgan_backward(nets, l, [&] { eg_sums = dist->start_average(eg_parameters(nets)); });
            dist->finish_average(eg_sums);
            dist->average_gradients(params_of({nets.A.ptr(), nets.D.ptr()}));
        }
        for (auto* o : {opt_eg_.get(), opt_a_.get(), opt_d_.get()}) o->step();
        Terms t;
        for (auto& [name, v] : {std::pair<const char*, torch::Tensor&>{"rec", l.rec}, {"rec_skip", l.rec_skip},
                                {"sparse", l.sparse}, {"feat", l.feat}, {"marks", l.marks}, {"kl", l.kl}, {"cls", l.cls},
                                {"cls_rec", l.cls_rec}, {"aux", l.aux}, {"adv", l.adv}, {"gen", l.gen},
                                {"dis", l.dis}, {"eg", l.eg}, {"logvar_max", l.logvar_max}})
            t.add(name, v.item<double>());
        return t;
    }

    std::string progress_text(const Terms& t) const override {
        char s[128];
        std::snprintf(s, sizeof s, "rec %.1f cls %.3f aux %.3f", t.get("rec"), t.get("cls"), t.get("aux"));
        return s;
    }

    json validate(const TrainData& d) override {
        EvalScope scope(nets);
        const size_t n = d.val.count;
        const int size = d.val.size;
        Accuracy y_acc, a_acc;
        double sq = 0, sq_skips = 0;
        JudgedEdits judged(d.ds.k());
        for_each_batch(n, kValBatch, [&](size_t s, size_t m) {
            torch::Tensor x = images_to_tensor(d.val.image(s), m, size);
            torch::Tensor y = labels_tensor(d.ds, d.val_idx, s, m);
            EncoderOut e = nets.E->forward(x);
            y_acc.add(e.y_logits, y);
            torch::Tensor code = nets.erased(e.mu), yp = torch::sigmoid(e.y_logits);
            sq += (torch::sigmoid(nets.G->forward(yp, code)) - x).pow(2).sum().item<double>();
            if (nets.config.skips) sq_skips += (torch::sigmoid(edit_logits(nets, e, code, yp, yp)) - x).pow(2).sum().item<double>();
            a_acc.add(nets.A->forward(aux_input(code, weights_.aux_standardize)), y);
            if (judge_ && s < judge_faces_) {
                const int64_t j = int64_t(std::min(m, judge_faces_ - s));
                judge_edits(first_rows(e, j), code.narrow(0, 0, j), yp.narrow(0, 0, j), y.narrow(0, 0, j), judged);
            }
        });
        json j = {{"val_images", n},
                  {"accuracy", y_acc.by_name(d.ds.attrs, n)},
                  {"majority", majority(d)},
                  {"rec_mse", sq / (double(n) * 3 * size * size)},
                  {"aux_accuracy", a_acc.by_name(d.ds.attrs, n)}};
        // With skips, rec_mse is G's without them; this is the model's own.
        if (nets.config.skips) j["rec_mse_skips"] = sq_skips / (double(n) * 3 * size * size);
        if (judge_) j["judged_edits"] = judged.by_name(d.ds.attrs);
        return j;
    }

    void publish(const TrainData& d) override {
        if (nets.R.is_empty()) return;
        EvalScope scope(nets);
        std::vector<torch::Tensor> mus, ys;
        for_each_batch(d.train.count, kValBatch, [&](size_t s, size_t m) {
            mus.push_back(nets.E->forward(images_to_tensor(d.train.image(s), m, d.train.size)).mu);
            d.train.release(s, m);
            ys.push_back(labels_tensor(d.ds, d.train_idx, s, m));
        });
        nets.R->publish(torch::cat(mus), torch::cat(ys));
    }

    // 16 validation faces in rows: original, reconstruction, then each
    // attribute set to 0 and to 1.
    json sample_sheet(const TrainData& d, const std::string& dir, int64_t epoch) override {
        std::vector<torch::Tensor> cols;
        const size_t m = std::min<size_t>(16, d.val.count);
        {
            EvalScope scope(nets);
            torch::Tensor x = images_to_tensor(d.val.image(0), m, d.val.size);
            EncoderOut e = nets.E->forward(x);
            torch::Tensor yp = torch::sigmoid(e.y_logits), code = nets.erased(e.mu);
            cols = {x, torch::sigmoid(edit_logits(nets, e, code, yp, yp))};
            for (size_t a = 0; a < d.ds.k(); ++a)
                for (float v : {0.0f, 1.0f}) {
                    torch::Tensor yy = yp.clone();
                    yy.select(1, int64_t(a)).fill_(v);
                    cols.push_back(torch::sigmoid(edit_logits(nets, e, code, yp, yy)));
                }
        }
        std::vector<Image> cells;
        for (size_t i = 0; i < m; ++i)
            for (auto& c : cols) {
                torch::Tensor t = c[int64_t(i)].contiguous();
                cells.push_back(from_chw_float(t.data_ptr<float>(), d.val.size, d.val.size));
            }
        make_dirs(dir);
        char name[64];
        std::snprintf(name, sizeof name, "epoch-%03lld.png", static_cast<long long>(epoch));
        std::string path = join_path(dir, name);
        write_png(path, grid(cells, int(cols.size()), 2));
        json columns = {"original", "reconstruction"};
        for (auto& a : d.ds.attrs) {
            columns.push_back(a + "=0");
            columns.push_back(a + "=1");
        }
        return {{"sheet", path}, {"epoch", epoch}, {"columns", columns}};
    }

private:
    // Edits judged by --judge: per attribute, successes and counts of the
    // faces set to 1 (label 0) and to 0 (label 1).
    struct JudgedEdits {
        explicit JudgedEdits(size_t k) : hit(k, {0, 0}), count(k, {0, 0}) {}
        std::vector<std::array<size_t, 2>> hit, count;  // [attribute][target]
        json by_name(const std::vector<std::string>& attrs) const {
            json j = json::object();
            auto share = [](size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; };
            for (size_t a = 0; a < attrs.size(); ++a)
                j[attrs[a]] = {{"to_1", share(hit[a][1], count[a][1])}, {"to_0", share(hit[a][0], count[a][0])},
                               {"faces", count[a][0] + count[a][1]}};
            return j;
        }
    };

    void load_judge(const std::string& path) {
        judge_ = std::make_unique<Model>(Model::load(path, kPartAll, "classifier"));
        const ModelConfig &jc = judge_->config(), &mc = nets.config;
        if (jc.size != mc.size || jc.crop != mc.crop)
            throw Error(path + ": the judge works on " + std::to_string(jc.size) + " px '" + jc.crop +
                        "' images, the model on " + std::to_string(mc.size) + " px '" + mc.crop + "'");
        for (const auto& a : mc.attrs) {
            auto it = std::find(jc.attrs.begin(), jc.attrs.end(), a);
            if (it == jc.attrs.end()) throw Error(path + ": the judge does not know attribute '" + a + "'");
            judge_index_.push_back(size_t(it - jc.attrs.begin()));
        }
    }

    // Each attribute of these faces set to the opposite of its label, the
    // edit drawn as ifgan-decode draws it and judged as ifgan-eval judges it.
    void judge_edits(const EncoderOut& e, const torch::Tensor& code, const torch::Tensor& yp, const torch::Tensor& y,
                     JudgedEdits& out) {
        const int64_t n = yp.size(0), jk = int64_t(judge_->config().k());
        for (size_t a = 0; a < judge_index_.size(); ++a) {
            torch::Tensor target = 1 - y.select(1, int64_t(a));
            torch::Tensor to = yp.clone();
            to.select(1, int64_t(a)).copy_(target);
            torch::Tensor img = torch::sigmoid(edit_logits(nets, e, code, yp, to)).contiguous();
            torch::Tensor bytes = (img * 255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
            std::vector<float> p(size_t(n * jk));
            judge_->classify(bytes.data_ptr<uint8_t>(), size_t(n), p.data());
            const torch::Tensor t = target.to(torch::kFloat32).contiguous();
            const float* wanted = t.data_ptr<float>();
            for (int64_t i = 0; i < n; ++i) {
                const int want = wanted[i] > 0.5f;
                out.count[a][size_t(want)]++;
                out.hit[a][size_t(want)] += (p[size_t(i * jk) + judge_index_[a]] >= 0.5f) == bool(want);
            }
        }
    }

    StepWeights weights_;
    StepRun run_;
    std::unique_ptr<torch::optim::Optimizer> opt_eg_, opt_a_, opt_d_;  // E and G together; A; D
    std::unique_ptr<Model> judge_;
    std::vector<size_t> judge_index_;  // each model attribute's place among the judge's
    size_t judge_faces_;
};

// Mean accuracy over the attributes of a validation record.
double mean_accuracy(const json& v) {
    double sum = 0;
    for (auto& [a, acc] : v["accuracy"].items()) sum += acc.get<double>();
    return v["accuracy"].empty() ? 0.0 : sum / double(v["accuracy"].size());
}

// The judge must be trustworthy: a later epoch can be worse than an earlier
// one (measured: 99.3% then 82.3% on Smiling), so the weights of the best
// validation epoch are kept, and they are what the finished model holds.
class ClassifierTask : public TrainTask {
public:
    ClassifierTask(const TrainConfig& c, Networks n) : TrainTask(std::move(n)), bf16(c.precision == Precision::bf16) {
        opt = make_optimizer(c, params_of({nets.C.ptr()}));
        const ModelConfig& mc = nets.config;
        best = Critic(mc.size, mc.f, int(mc.k()));
    }

    std::vector<std::pair<std::string, torch::nn::Module*>> extra_state() override {
        if (best_epoch == 0) return {};
        return {{"best", best.ptr().get()}};
    }
    json task_meta() const override {
        return {{"best_epoch", best_epoch}, {"best_validation", best_validation}};
    }
    void restore_task_meta(const json& meta) override {
        best_epoch = meta.value("best_epoch", int64_t(0));
        best_validation = meta.value("best_validation", json());
    }
    void validated(const json& v, int64_t epoch) override {
        if (best_epoch > 0 && mean_accuracy(v) <= mean_accuracy(best_validation)) return;
        best_epoch = epoch;
        best_validation = v;
        copy_weights(*nets.C, *best);
    }
    json finish(int64_t epoch) override {
        if (best_epoch == 0 || best_epoch == epoch) return nullptr;
        copy_weights(*best, *nets.C);
        json v = best_validation;
        v["kept_epoch"] = best_epoch;
        return v;
    }

    // The optimiser keeps the name it has always had in model files.
    std::vector<NamedOptimizer> optimizers() override { return {{"D", opt.get()}}; }

    Terms step(const Batch& b, at::Generator&) override {
        torch::Tensor logits;
        {
            Autocast ac(bf16);
            logits = nets.C->forward(b.x).to(torch::kFloat32);
        }
        torch::Tensor l = loss::classification(logits, b.y);
        opt->zero_grad();
        l.backward();
        sync_gradients();
        opt->step();
        Terms t;
        t.add("cls", l.item<double>());
        t.add("acc", ((logits > 0).to(torch::kFloat32) == b.y).to(torch::kFloat32).mean().item<double>());
        return t;
    }

    std::string progress_text(const Terms& t) const override {
        char s[64];
        std::snprintf(s, sizeof s, "cls %.3f", t.get("cls"));
        return s;
    }

    json validate(const TrainData& d) override {
        EvalScope scope(nets);
        const size_t n = d.val.count;
        Accuracy acc;
        for_each_batch(n, kValBatch, [&](size_t s, size_t m) {
            acc.add(nets.C->forward(images_to_tensor(d.val.image(s), m, d.val.size)),
                    labels_tensor(d.ds, d.val_idx, s, m));
        });
        return {{"val_images", n}, {"accuracy", acc.by_name(d.ds.attrs, n)}, {"majority", majority(d)}};
    }

private:
    static void copy_weights(torch::nn::Module& from, torch::nn::Module& to) {
        torch::NoGradGuard ng;
        auto src = from.named_parameters(true);
        for (auto& p : to.named_parameters(true)) p.value().copy_(src[p.key()]);
        auto bsrc = from.named_buffers(true);
        for (auto& b : to.named_buffers(true)) b.value().copy_(bsrc[b.key()]);
    }
    bool bf16;
    std::unique_ptr<torch::optim::Optimizer> opt;
    Critic best{nullptr};  // the weights of the best epoch so far
    int64_t best_epoch = 0;
    json best_validation;
};

}  // namespace

std::unique_ptr<TrainTask> make_task(const TrainConfig& c, Networks nets) {
    // oneDNN's convolutions prefer NHWC: +3-10% per step (docs/performance.md).
    for (auto& m : nets.modules()) to_channels_last(*m);
    if (c.kind == Kind::classifier) return std::make_unique<ClassifierTask>(c, std::move(nets));
    return std::make_unique<EditorTask>(c, std::move(nets));
}

}  // namespace ifgan
