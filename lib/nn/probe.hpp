// The nonlinear leakage probe: how well a small network trained afresh reads
// an attribute from the codes. A lean header (no LibTorch), for ifgan-eval.
#pragma once
#include <cstdint>
#include <vector>

namespace ifgan {

// An MLP d -> 128 -> 128 -> 1 (ReLU) on standardised codes, trained with Adam
// on (train_x, train_y) for a fixed budget; returns its accuracy on
// (test_x, test_y). x are rows of d floats; y are 0/1.
double mlp_probe_accuracy(const std::vector<float>& train_x, const std::vector<uint8_t>& train_y,
                          const std::vector<float>& test_x, const std::vector<uint8_t>& test_y, size_t d,
                          uint64_t seed = 1);

}  // namespace ifgan
