// Model files: LibTorch serialization of every network (and, for resuming,
// the optimiser states and RNG state) plus a JSON metadata string.
#pragma once
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "nn/networks.hpp"

namespace ifgan {

nlohmann::json config_to_json(const ModelConfig& c);
ModelConfig config_from_json(const nlohmann::json& j, const std::string& file);

// A hash of the metadata and the weights a user's edit depends on.
std::string fingerprint(const Networks& n, const nlohmann::json& meta);

struct NamedOptimizer {
    const char* name;
    torch::optim::Optimizer* opt;
};

// What a checkpoint holds beyond the networks, for resuming: optimiser
// states, the random generator's state, and extra modules (such as the
// weights of a classifier's best epoch so far).
struct TrainingState {
    std::vector<NamedOptimizer> optimizers;
    torch::Tensor rng;
    std::vector<std::pair<std::string, torch::nn::Module*>> modules;
};

// Fills in meta["fingerprint"] and writes atomically; returns the fingerprint.
std::string save_model(const std::string& path, const Networks& n, nlohmann::json meta,
                       const TrainingState& state = {});

struct LoadedModel {
    Networks nets;
    nlohmann::json meta;
    std::shared_ptr<torch::serialize::InputArchive> archive;  // for optimiser states
};
LoadedModel load_model(const std::string& path, unsigned parts, const std::string& want_kind);
// Restores what save_model wrote of `state`: the optimisers' states and the
// random state (both required), and the extra modules the file has.
void load_training_state(LoadedModel& m, TrainingState& state);

}  // namespace ifgan
