// LEACE, least-squares linear concept erasure (Belrose et al., NeurIPS 2023):
// the smallest affine change of the identity code after which no linear
// classifier predicts the attributes better than a constant. docs/erasure.md
// derives it for k attributes; in short, with the code's mean m, covariance
// Σ, and cross-covariance Σ_xy with the attributes,
//     W = Σ^(-1/2), P = the orthogonal projection onto the columns of W·Σ_xy,
//     erase(x) = x − W⁺·P·W·(x − m),
// which makes the class-conditional means of every attribute equal.
#pragma once
#include <torch/torch.h>

namespace ifgan {

// The affine map x -> x − (x − mean)·projᵀ of a fitted eraser.
struct ErasureMap {
    torch::Tensor mean;  // [d]
    torch::Tensor proj;  // [d, d]: W⁺ P W
};

// The LEACE map from the moments of codes x [d] and attributes y [k]
// (float64): mean of x, covariance Σ_xx [d, d], cross-covariance Σ_xy [d, k].
ErasureMap leace_from_moments(const torch::Tensor& mean, const torch::Tensor& cov_xx, const torch::Tensor& cov_xy);
// The same from samples: codes [n, d], attributes [n, k].
ErasureMap fit_leace(const torch::Tensor& codes, const torch::Tensor& y);

// The eraser of a model file: the map the tools apply to every code
// ("mean", "proj"), and, while training, a running estimate of the moments
// of the encoder's codes that is refitted every step ("train_*"), so that
// the decoder and A see codes erased for the current encoder.
struct EraserImpl : torch::nn::Module {
    EraserImpl(int64_t nz, int64_t k);
    // x − (x − mean)·projᵀ, with the published map.
    torch::Tensor forward(const torch::Tensor& x) const;
    // The same with the training estimate.
    torch::Tensor forward_training(const torch::Tensor& x) const;
    // Folds a batch of codes [B, d] and labels [B, k] into the running
    // moments (the average of the batches so far, exponential with `decay`
    // once that weighs less) and refits the training map.
    void update(const torch::Tensor& codes, const torch::Tensor& y);
    // Fits the published map exactly on these codes and labels.
    void publish(const torch::Tensor& codes, const torch::Tensor& y);

    torch::Tensor mean, proj;                                   // published
    torch::Tensor train_mean, train_proj;                       // the training map
    torch::Tensor m_x, m_y, m_xx, m_xy, seen;                   // running moments (float64)
    double decay = 0.99;  // per step: about 100 batches of memory
};
TORCH_MODULE(Eraser);

}  // namespace ifgan
