// ifgan-train's loop: epochs of steps, the log, validation and sample sheets
// at the end of each epoch, checkpoints, resume and signals. The steps
// themselves are the task's (lib/nn/train_tasks.cpp).
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "core/launch.hpp"
#include "core/log.hpp"
#include "core/util.hpp"
#include "nn/train.hpp"
#include "nn/dist.hpp"
#include "nn/train_tasks.hpp"

namespace ifgan {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// How long ranks wait for rank 0 to decode a data set into its cache: about
// 2,600 images a second on two cores, so an hour covers millions of images.
constexpr double kImageWaitSeconds = 3600;

std::atomic<int> g_signal{0};
// The first signal counts: it is the one reported.
void on_stop_signal(int sig) {
    if (!g_signal) g_signal = sig;
}

// SIGINT and SIGTERM set g_signal for the scope, so that the loop can finish
// its step and write a checkpoint.
struct StopSignals {
    using Handler = void (*)(int);
    Handler old_int, old_term;
    StopSignals() {
        g_signal = 0;
        old_int = std::signal(SIGINT, on_stop_signal);
        old_term = std::signal(SIGTERM, on_stop_signal);
    }
    ~StopSignals() {
        std::signal(SIGINT, old_int);
        std::signal(SIGTERM, old_term);
    }
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string fixed(double v, int decimals) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return b;
}

// Fails now, not after an epoch, when `dir` cannot take new files.
void check_writable_dir(const std::string& dir, const std::string& option) {
    std::string probe = join_path(dir.empty() ? "." : dir, ".ifgan-write-test");
    FILE* f = std::fopen(probe.c_str(), "wb");
    if (!f) throw Error(option + ": cannot write into " + (dir.empty() ? "." : dir));
    std::fclose(f);
    std::remove(probe.c_str());
}

std::string dir_of(const std::string& path) {
    size_t s = path.rfind('/');
    return s == std::string::npos ? "" : path.substr(0, s);
}

// The losses averaged over the steps since the last log line, and the speed.
struct Window {
    Terms sum;
    int steps = 0;
    Clock::time_point start = Clock::now();
    void add(const Terms& t) {
        for (auto& p : t.v) sum.add(p.first, p.second);
        ++steps;
    }
    double images_per_s(int batch) const { return steps * batch / std::max(seconds_since(start), 1e-9); }
    json means() const {
        json j;
        for (auto& p : sum.v) j[p.first] = p.second / steps;
        return j;
    }
};

class TrainingRun {
public:
    explicit TrainingRun(TrainConfig config) : c(std::move(config)), gen(at::detail::createCPUGenerator(c.seed)) {}
    int run();

private:
    TrainConfig c;
    TrainData data;
    std::unique_ptr<TrainTask> task;
    at::Generator gen;
    int64_t step = 0, epoch = 0, batch_pos = 0;  // epoch: completed epochs
    int64_t saved_step = 0;                      // the step of the checkpoint in c.out
    std::string last_fp;                         // its fingerprint; empty before the first
    bool saved_this_run = false;
    std::ofstream log;
    // Data parallel (--nproc, --world-size): rank 0 alone validates, logs,
    // draws the sample sheets and writes the model; every rank trains on its
    // part of each global batch.
    std::unique_ptr<DistGroup> dist;
    bool lead() const { return !dist || dist->rank() == 0; }
    int64_t world() const { return dist ? dist->world() : 1; }
    int64_t global_batch() const { return int64_t(c.batch) * world(); }
    int stop_signal = 0;  // the signal that stopped this rank or another
    bool eraser_added = false;  // switched on by this --resume: the file must be rewritten
    json last_validation;       // what the model file stands for

    void start_fresh();
    void resume();
    void prepare_outputs();
    void save();              // publish the eraser, then write the checkpoint
    void write_checkpoint();
    void write_log(const json& j);
    enum class EpochEnd { done, stopped };
    EpochEnd train_epoch(Window& window);
    void join_group();
    TrainData load_data(const std::vector<std::string>& attrs);
    bool share_step(Terms& t);  // the ranks' mean losses; true when a rank was signalled
    void check_finite(const Terms& t) const;
    void end_epoch(double seconds);
};

void TrainingRun::start_fresh() {
    data = load_data(c.attrs);
    const ModelConfig m = model_config(c, data.ds.attrs, data.frame);
    torch::manual_seed(c.seed);  // weight initialisation
    Networks nets = make_networks(m, kPartAll);
    if (c.init == Init::torch03) init_as_torch03(nets);
    task = make_task(c, std::move(nets));
}

void TrainingRun::resume() {
    if (!file_exists(c.out)) throw Error("--resume: " + c.out + " does not exist");
    LoadedModel m = load_model(c.out, kPartAll, enum_name(c.kind));
    if (!m.meta.contains("training") || !m.meta.contains("step"))
        throw Error(c.out + ": holds no training state to resume from");
    const Erase asked = c.erase;
    restore_options(m.meta["training"], c, c.out);
    ModelConfig& mc = m.nets.config;
    if (!mc.erases() && asked == Erase::leace) {
        // Erasure switched on for a model trained without it: from here on
        // the decoder and A see erased codes.
        mc.erase = "leace";
        m.nets.R = Eraser(mc.nz, int64_t(mc.k()));
        eraser_added = true;
        message("erasing the attributes from the code from step " + std::to_string(m.meta["step"].get<int64_t>()));
    }
    take_model_options(mc, c);
    gen = at::detail::createCPUGenerator(c.seed);
    data = load_data(mc.attrs);
    task = make_task(c, std::move(m.nets));
    task->restore_task_meta(m.meta);
    TrainingState state{task->optimizers(), {}, task->extra_state()};
    load_training_state(m, state);
    gen.set_state(state.rng);
    step = m.meta["step"].get<int64_t>();
    epoch = m.meta["epoch"].get<int64_t>();
    last_fp = m.meta.value("fingerprint", "");  // the file as it is, until this run writes it
    saved_step = step;
    // Where in the epoch, in images: a run may resume with another number of ranks.
    const int64_t done_images = m.meta.contains("images_in_epoch") ? m.meta["images_in_epoch"].get<int64_t>()
                                                                   : m.meta.value("batch_in_epoch", int64_t(0)) * c.batch;
    batch_pos = done_images / global_batch();
    message("resuming " + c.out + " at step " + std::to_string(step) + " (epoch " + std::to_string(epoch + 1) + ")");
}

// Every output is checked before the first step; a stale temporary file
// left by a killed run is removed.
void TrainingRun::prepare_outputs() {
    if (!lead()) return;
    check_writable_dir(dir_of(c.out), "--out");
    std::remove((c.out + ".tmp").c_str());
    if (!c.samples.empty()) {
        make_dirs(c.samples);
        check_writable_dir(c.samples, "--samples");
    }
    if (!c.log.empty()) {
        log.open(c.log, std::ios::app);
        if (!log) throw Error("--log: cannot open " + c.log + " for writing");
    }
}

void TrainingRun::save() {
    task->publish(data);
    write_checkpoint();
}

void TrainingRun::write_checkpoint() {
    if (!lead()) return;
    json meta = {{"step", step},
                 {"epoch", epoch},
                 {"batch_in_epoch", batch_pos},
                 {"images_in_epoch", batch_pos * global_batch()},
                 {"world_size", world()},
                 {"training", options_to_json(c)},
                 {"created_by", std::string("ifgan-train ") + kVersion}};
    meta.update(task->task_meta());
    last_fp = save_model(c.out, task->nets, meta, {task->optimizers(), gen.get_state(), task->extra_state()});
    saved_step = step;
    saved_this_run = true;
}

void TrainingRun::write_log(const json& j) {
    if (lead() && log.is_open()) log << j.dump() << "\n" << std::flush;
}

void TrainingRun::check_finite(const Terms& t) const {
    for (auto& [name, v] : t.v)
        if (!std::isfinite(v))
            throw Error("step " + std::to_string(step) + ": the loss is not finite (" + name + " " + std::to_string(v) +
                        "); " +
                        (last_fp.empty() ? "stopped before any checkpoint was written"
                                         : "the last good checkpoint is " + c.out + " (step " +
                                               std::to_string(saved_step) + ")"));
}

// Joins the group the options name, and takes rank 0's weights.
void TrainingRun::join_group() {
    DistOptions o;
    o.world = int(c.world_size);
    o.rank = int(c.rank);
    split_host_port(c.master, o.host, o.port);
    o.timeout_s = c.dist_timeout;
    if (o.rank > 0) set_tool_name(tool_name() + " (rank " + std::to_string(o.rank) + ")");
    dist = DistGroup::connect(o);
}

// Ranks on one machine share one image cache: rank 0 builds it on every
// core while the others wait, rather than all decoding the same images at
// once. On other machines a rank then builds its own.
TrainData TrainingRun::load_data(const std::vector<std::string>& attrs) {
    if (!dist) return load_train_data(c, attrs);
    if (!lead()) {
        dist->wait_for("images", "preparing the images", std::max(c.dist_timeout, kImageWaitSeconds));
        return load_train_data(c, attrs);
    }
    TrainData d = load_train_data(c, attrs, default_threads());
    dist->announce("images");
    return d;
}

bool TrainingRun::share_step(Terms& t) {
    if (!dist) return g_signal != 0;
    std::vector<double> v;
    for (auto& p : t.v) v.push_back(p.second);
    // One slot per rank for the signal it had received when it sent its
    // part (0: none). The decision reads the sum alone, the same on every
    // rank (agreed_signal), so all stop at one step; a signal that comes
    // during the sum is sent at the next step.
    const size_t slots = v.size();
    v.resize(slots + size_t(world()), 0.0);
    v[slots + size_t(dist->rank())] = double(g_signal.load());
    v = dist->sum(v);
    for (size_t i = 0; i < t.v.size(); ++i) t.v[i].second = v[i] / double(world());
    const int agreed = agreed_signal(std::vector<double>(v.begin() + long(slots), v.end()), int(dist->rank()));
    if (agreed && !stop_signal) stop_signal = agreed;
    return agreed != 0;
}

// Steps from batch_pos to the end of the epoch, or until a signal (on any
// rank) or --steps. Rank r of W takes part r of each global batch: batch
// b * W + r of the epoch's order.
TrainingRun::EpochEnd TrainingRun::train_epoch(Window& window) {
    const int64_t per_epoch = data.steps_per_epoch(int(global_batch()));
    std::vector<size_t> order = epoch_order(data.train_idx.size(), c.seed, epoch);
    const int64_t rank = dist ? dist->rank() : 0;
    Progress bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.epochs), size_t(per_epoch));
    bool stopped = false;
    for (; batch_pos < per_epoch; ++batch_pos) {
        if (c.steps > 0 && step >= c.steps) break;
        Terms t = task->step(make_batch(data, c, order, epoch, batch_pos * world() + rank), gen);
        ++step;
        stopped = share_step(t);
        check_finite(t);
        window.add(t);
        double ips = window.images_per_s(int(global_batch()));
        if (lead()) bar.update(size_t(batch_pos + 1), fixed(ips, 0) + " img/s " + task->progress_text(t));
        if (step % c.log_every == 0) {
            json rec = {{"step", step}, {"epoch", epoch + 1}, {"loss", window.means()}, {"images_per_s", ips}, {"lr", c.lr}};
            if (dist) {
                DistGroup::GradStats g = dist->take_grad_stats();
                if (g.calls)
                    rec["allreduce"] = {{"bytes_per_step", g.bytes / window.steps},
                                        {"seconds_per_step", g.seconds / double(window.steps)}};
            }
            write_log(rec);
            window = Window();
        }
        if (stopped) {
            ++batch_pos;
            break;
        }
    }
    bar.finish();
    return batch_pos < per_epoch || stopped ? EpochEnd::stopped : EpochEnd::done;
}

void TrainingRun::end_epoch(double seconds) {
    ++epoch;
    batch_pos = 0;
    task->publish(data);  // validation, the sheet and the checkpoint use the fitted eraser
    if (!lead()) return;  // the others wait for rank 0 at the next step
    json v = task->validate(data);
    v["epoch"] = epoch;
    v["step"] = step;
    v["epoch_seconds"] = seconds;
    write_log(v);
    task->validated(v, epoch);
    last_validation = v;
    if (!c.samples.empty()) {
        json sheet = task->sample_sheet(data, c.samples, epoch);
        if (!sheet.is_null()) write_log(sheet);
    }
    write_checkpoint();
    std::string line = "epoch " + std::to_string(epoch) + "/" + std::to_string(c.epochs) + ": " +
                       std::to_string(int(seconds)) + " s";
    for (auto& [a, acc] : v["accuracy"].items()) line += ", " + a + " acc " + fixed(acc.get<double>(), 3);
    if (v.contains("rec_mse")) {
        line += ", rec MSE " + fixed(v["rec_mse"].get<double>(), 5);
        if (v.contains("rec_mse_skips")) line += " (with skips " + fixed(v["rec_mse_skips"].get<double>(), 5) + ")";
        for (auto& [a, acc] : v["aux_accuracy"].items()) line += ", A(z) " + a + " " + fixed(acc.get<double>(), 3);
    }
    message(line);
}

int TrainingRun::run() {
    if (c.world_size > 1) join_group();
    prepare_outputs();
    if (c.resume) resume();
    else start_fresh();
    if (dist) {
        task->join(dist.get());
        dist->broadcast(shared_state(task->nets.modules()));
        if (data.steps_per_epoch(int(global_batch())) == 0)
            throw Error(c.data + ": " + std::to_string(data.train_idx.size()) + " training images, fewer than one global batch of " +
                        std::to_string(global_batch()));
    }
    std::string blas = blas_library();
    if (lead() && blas.find("openblas") == std::string::npos)
        message("warning: BLAS is " + (blas.empty() ? std::string("unknown") : blas) +
                ", not OpenBLAS; run 'make deps' (training will be several times slower)");
    StopSignals signals;
    const ModelConfig& m = task->nets.config;
    write_log({{"start", true}, {"kind", m.kind}, {"attributes", m.attrs}, {"options", options_to_json(c)},
               {"train_images", data.train_idx.size()}, {"steps_per_epoch", data.steps_per_epoch(int(global_batch()))},
               {"threads", c.threads}, {"world_size", world()}, {"global_batch", global_batch()}});
    Window window;
    while (epoch < c.epochs) {
        auto epoch_start = Clock::now();
        if (train_epoch(window) == EpochEnd::stopped) {
            save();
            if (int sig = dist ? stop_signal : int(g_signal)) {
                if (lead())
                    message(std::string(sig == SIGINT ? "interrupted" : "terminated") + " at step " + std::to_string(step) +
                            "; checkpoint written to " + c.out + " (resume with --resume)");
                return 128 + sig;
            }
            if (lead()) message("stopped after " + std::to_string(step) + " steps (--steps); checkpoint " + c.out);
            return 0;
        }
        end_epoch(seconds_since(epoch_start));
    }
    if (eraser_added && !saved_this_run) save();  // no step left to train: erasure fitted after training
    if (!lead()) return 0;
    json kept = task->finish(epoch);
    if (!kept.is_null()) {
        message("keeping the weights of epoch " + std::to_string(kept["kept_epoch"].get<int64_t>()) +
                ", the best on validation");
        last_validation = kept;
        write_log({{"kept", kept}});
        write_checkpoint();
    }
    std::string line = "done: " + c.out + " (model " + last_fp + ", step " + std::to_string(step) + ")";
    if (last_validation.contains("accuracy")) {
        line += "; validation accuracy";
        for (auto& [a, acc] : last_validation["accuracy"].items()) line += " " + a + " " + fixed(acc.get<double>(), 3);
        line += " (epoch " + std::to_string(last_validation["epoch"].get<int64_t>()) + ")";
    }
    message(line);
    return 0;
}

}  // namespace

int run_training(TrainConfig c) {
    validate(c);
    set_threads(c.threads);
    keep_freed_memory();
    return TrainingRun(std::move(c)).run();
}

}  // namespace ifgan
