// A training run's data: the splits of the data set, their uint8 caches, the
// order of each epoch and the batches. Included by lib/nn/*.cpp only.
#pragma once
#include <torch/torch.h>

#include "core/dataset.hpp"
#include "nn/train_config.hpp"

namespace ifgan {

struct TrainData {
    Dataset ds;
    std::vector<size_t> train_idx, val_idx;  // into ds
    ImageCache train, val;                   // in the order of train_idx, val_idx
    std::vector<double> frame;               // mean landmarks in input pixels (ModelConfig::frame)
    // Each train image's five landmarks in input pixels less the mean frame
    // [train, 10], in the order of train_idx; undefined without a landmark file.
    torch::Tensor marks;
    int64_t steps_per_epoch(int batch) const { return int64_t(train_idx.size()) / batch; }
};

// Loads the data set and builds the caches. `attrs` and the image geometry
// come from `c` (its crop "auto" is resolved in place).
// `decode_threads` (0: c.threads) decode the images into the cache.
TrainData load_train_data(TrainConfig& c, const std::vector<std::string>& attrs, int decode_threads = 0);

// The order of the train split in epoch e: a function of (seed, e) only, so
// a resumed run sees the same batches.
std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch);

// Whether the image at `position` of epoch e's order is flipped by --hflip:
// a fresh random half every epoch, reproducible from (seed, e, position).
bool flipped_in_epoch(uint64_t seed, int64_t epoch, size_t position);

struct Batch {
    torch::Tensor x;  // [B, 3, s, s] in [0, 1], channels-last
    torch::Tensor y;  // [B, k], 0/1
    torch::Tensor marks;  // [B, 10], as TrainData::marks; undefined without them
};
// Batch b (of c.batch images) of epoch e in `order`.
Batch make_batch(const TrainData& d, const TrainConfig& c, const std::vector<size_t>& order, int64_t epoch,
                 int64_t b);

// The labels of data set rows, as a float [n, k] tensor of 0/1.
torch::Tensor labels_tensor(const Dataset& ds, const std::vector<size_t>& rows);
// The same for the cached images [start, start + n) of split `idx`.
torch::Tensor labels_tensor(const Dataset& ds, const std::vector<size_t>& idx, size_t start, size_t n);

}  // namespace ifgan
