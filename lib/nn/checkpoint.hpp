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

// Fills in meta["fingerprint"] and writes atomically; returns the fingerprint.
std::string save_model(const std::string& path, const Networks& n, nlohmann::json meta,
                       const std::vector<NamedOptimizer>& optimizers = {}, const torch::Tensor& rng_state = {});

struct LoadedModel {
    Networks nets;
    nlohmann::json meta;
    std::shared_ptr<torch::serialize::InputArchive> archive;  // for optimiser states
};
LoadedModel load_model(const std::string& path, unsigned parts, const std::string& want_kind);
// Restores optimiser states and the RNG state saved by save_model.
void load_training_state(LoadedModel& m, const std::vector<NamedOptimizer>& optimizers, torch::Tensor* rng_state);

}  // namespace ifgan
