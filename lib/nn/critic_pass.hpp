// The discriminator's pass of the training step (pass 4 of docs/model.md),
// run layer by layer instead of through autograd, so that one backward pass
// through D's layers serves both losses that read its output.
//
// Why: L_gen needs D's input gradient (for x̂ and x̃), D's own loss needs its
// weight gradients, and autograd runs the whole chain of D's input gradients
// once for each. D has no batch statistics, so for each image the chain is
// linear in the one number that enters at its logit: run it once with 1 per
// image, and scale each image's share by ∂L_gen/∂logit for the input
// gradient and by ∂L_D/∂logit for the weight gradients. The same kernels run
// on the same tensors; only the order of the per-image scaling changes.
#pragma once
#include <torch/torch.h>

#include "nn/networks.hpp"

namespace ifgan {

class CriticPass {
public:
    // D on [x, fakes] (fakes: x̂ and x̃ stacked, keeping their graph), in
    // bf16 when `bf16`. Runs no autograd graph through D.
    CriticPass(Critic& D, const torch::Tensor& x, const torch::Tensor& fakes, bool bf16);

    // D's logits for [x, fakes], fp32, a leaf requiring gradients: the
    // losses read it, and their gradients with respect to it feed backward().
    const torch::Tensor& logits() const { return logits_; }
    const torch::Tensor& fakes() const { return fakes_; }
    // x's maps after conv layer `layer` (from 1) and its ReLU, as run: what
    // D's features of x are, without running D on x again.
    torch::Tensor real_features(int layer) const;

    // The one backward pass through D's layers. `eg_grad` and `dis_grad`:
    // the gradients of E+G's loss and of D's loss with respect to logits().
    // Returns E+G's gradient with respect to fakes(); D's weight gradients
    // wait for accumulate_weight_gradients(). With `eg_grad` undefined (E+G's
    // loss does not read D's output) the chain stops at the first layer and
    // nothing is returned.
    torch::Tensor backward(const torch::Tensor& eg_grad, const torch::Tensor& dis_grad);
    // Adds D's loss's gradients to D's parameters' .grad (after backward()).
    void accumulate_weight_gradients();

private:
    Critic D_;
    int64_t real_rows_;
    torch::Tensor fakes_, logits_, features_, fc_weight_, dis_grad_;
    std::vector<torch::Tensor> inputs_, outputs_, weights_;  // per conv layer, as run
    std::vector<torch::Tensor> output_grads_;                // per conv layer, before the bias
};

}  // namespace ifgan
