// The loss terms of docs/model.md as named functions on logits. Reductions follow
// the authors' code: reconstruction, KL, GAN and D losses are batch sums; the
// classification terms are means.
#pragma once
#include <torch/torch.h>

#include "nn/train_config.hpp"

namespace ifgan::loss {

// Every BCE below is computed from logits in one of two forms: `logits`,
// exact (binary_cross_entropy_with_logits), or `bounded`, PyTorch 0.3's on
// sigmoid outputs, −[t·log(p + 1e−12) + (1 − t)·log(1 − p + 1e−12)], as the
// paper's authors' code computed it: at most 27.63 per element, and no
// gradient once the sigmoid saturates in fp32.
using Bce = BceForm;  // train_config.hpp
constexpr double kBoundedBceEps = 1e-12;
// Elementwise BCE of logits against targets, in the given form.
torch::Tensor bce(const torch::Tensor& logits, const torch::Tensor& target, Bce form);

// BCE(x̂, x) summed over pixels and batch, divided by side².
torch::Tensor reconstruction(const torch::Tensor& x_logits, const torch::Tensor& x, Bce form = Bce::logits);
// 0.5 · Σ(mu² + exp(logvar) − 1 − logvar) / nz, summed over the batch.
torch::Tensor kl(const torch::Tensor& mu, const torch::Tensor& logvar);
// Mean BCE over batch and attributes (ρ, β, γ terms and A's own loss).
torch::Tensor classification(const torch::Tensor& logits, const torch::Tensor& y, Bce form = Bce::logits);
// Summed BCE of logits against a constant target (1 real, 0 fake).
torch::Tensor gan_sum(const torch::Tensor& logits, float target, Bce form = Bce::logits);
// 0.5 · [BCE(D(x̂), 1) + BCE(D(x̃), 1)]
torch::Tensor generator(const torch::Tensor& d_rec, const torch::Tensor& d_sample, Bce form = Bce::logits);
// 0.3 · [BCE(D(x), 1) + BCE(D(x̂), 0) + BCE(D(x̃), 0)]
torch::Tensor discriminator(const torch::Tensor& d_real, const torch::Tensor& d_rec, const torch::Tensor& d_sample,
                            Bce form = Bce::logits);

// Σ over attributes j of Fisher's separation of the codes by y_j, / k:
// (m1 − m0)ᵀ (S_w + ridge·I)⁻¹ (m1 − m0), with m1, m0 the class means and S_w
// the pooled within-class covariance of the batch. What a linear probe reads:
// large when some direction separates the classes relative to their spread
// within a class, whatever that direction's scale. 0 if a class is empty.
torch::Tensor linear_separation(const torch::Tensor& codes, const torch::Tensor& y, double ridge = 1.0);

}  // namespace ifgan::loss
