// What differs between training the attribute editor (the IFcVAE-GAN) and
// the independent classifier: their networks and optimisers, one update, the
// validation record and the sample sheet. The loop around them (epochs,
// checkpoints, resume, signals, the log) is lib/nn/trainer.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include "nn/checkpoint.hpp"
#include "nn/dist.hpp"
#include "nn/train_data.hpp"

namespace ifgan {

// The per-step numbers the log and the progress bar show, in order of first appearance.
struct Terms {
    std::vector<std::pair<std::string, double>> v;
    void add(const std::string& k, double x);
    double get(const std::string& k) const;
};

// RMSprop with smoothing constant `rms_alpha`, or Adam with β = (0.5, 0.999).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, std::vector<torch::Tensor> params,
                                                        double rms_alpha = 0.99);

class TrainTask {
public:
    explicit TrainTask(Networks n) : nets(std::move(n)) {}
    virtual ~TrainTask() = default;
    Networks nets;
    virtual std::vector<NamedOptimizer> optimizers() = 0;
    // Data parallel: this task is one rank of `g`; its gradients are
    // averaged over the ranks before every update.
    virtual void join(DistGroup* g) { dist = g; }
    // Extra modules a checkpoint keeps for resuming (see TrainingState).
    virtual std::vector<std::pair<std::string, torch::nn::Module*>> extra_state() { return {}; }
    // What the task records in the model's metadata, and reads back on --resume.
    virtual nlohmann::json task_meta() const { return nlohmann::json::object(); }
    virtual void restore_task_meta(const nlohmann::json& meta) {}
    // After an epoch's validation record `v`.
    virtual void validated(const nlohmann::json& v, int64_t epoch) {}
    // At the end of the last epoch: the validation record the model file is
    // to stand for, after any change to the networks (null: the last one).
    virtual nlohmann::json finish(int64_t epoch) { return nullptr; }
    // One update on a batch; the losses and measures of it.
    virtual Terms step(const Batch& b, at::Generator& gen) = 0;
    // The short text beside the progress bar.
    virtual std::string progress_text(const Terms& t) const = 0;
    // Fits what the model publishes from the whole train split (the eraser's
    // exact map); before validation and every checkpoint.
    virtual void publish(const TrainData& d) {}
    // The validation record of the log (on the val split's cache).
    virtual nlohmann::json validate(const TrainData& d) = 0;
    // Writes DIR/epoch-NNN.png and returns its log record; null when the task has none.
    virtual nlohmann::json sample_sheet(const TrainData& d, const std::string& dir, int64_t epoch) { return nullptr; }

protected:
    DistGroup* dist = nullptr;
    // Between the backward pass and the optimisers' step.
    void sync_gradients();
};

// The task for c.kind over `nets` (built or loaded), its optimisers made.
std::unique_ptr<TrainTask> make_task(const TrainConfig& c, Networks nets);

}  // namespace ifgan
