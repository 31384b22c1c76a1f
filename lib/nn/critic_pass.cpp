#include "nn/critic_pass.hpp"

#include "core/util.hpp"

namespace ifgan {

namespace {

const auto kChannelsLast = torch::MemoryFormat::ChannelsLast;

std::vector<torch::nn::Conv2dImpl*> conv_layers(Critic& D) {
    std::vector<torch::nn::Conv2dImpl*> out;
    for (auto& m : *D->convs->layers)
        if (auto* c = m.ptr()->as<torch::nn::Conv2dImpl>()) out.push_back(c);
    return out;
}

// The input and weight gradients of one of the conv stack's layers.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> conv_backward(const torch::Tensor& grad_out,
                                                                      const torch::Tensor& input,
                                                                      const torch::Tensor& weight,
                                                                      std::array<bool, 3> mask) {
    const int64_t cout = weight.size(0);
    return at::convolution_backward(grad_out, input, weight, c10::IntArrayRef{cout}, {kStackStride, kStackStride},
                                    {kStackPadding, kStackPadding}, {1, 1}, false, {0, 0}, 1, mask);
}

void accumulate(torch::Tensor& param, const torch::Tensor& grad) {
    torch::Tensor g = grad.to(torch::kFloat32);
    if (param.grad().defined())
        param.mutable_grad().add_(g);
    else
        param.mutable_grad() = g.contiguous(param.suggest_memory_format());
}

}  // namespace

CriticPass::CriticPass(Critic& D, const torch::Tensor& x, const torch::Tensor& fakes, bool bf16)
    : D_(D), real_rows_(x.size(0)), fakes_(fakes) {
    // The per-image scaling needs one logit per image: the discriminator's
    // shape, not the k-output classifier's.
    if (D_->fc->weight.size(0) != 1) throw Error("CriticPass: D must have one output, not " +
                                                 std::to_string(D_->fc->weight.size(0)));
    torch::NoGradGuard no_graph;
    auto as_run = [&](const torch::Tensor& t) { return bf16 ? t.to(torch::kBFloat16) : t; };
    torch::Tensor h = as_run(torch::cat({x, fakes.detach()}, 0)).contiguous(kChannelsLast);
    for (auto* conv : conv_layers(D_)) {
        torch::Tensor w = as_run(conv->weight);
        inputs_.push_back(h);
        weights_.push_back(w);
        h = torch::relu(torch::conv2d(h, w, as_run(conv->bias), kStackStride, kStackPadding));
        outputs_.push_back(h);
    }
    features_ = h.flatten(1);
    fc_weight_ = as_run(D_->fc->weight);
    logits_ = torch::linear(features_, fc_weight_, as_run(D_->fc->bias)).to(torch::kFloat32).requires_grad_();
}

torch::Tensor CriticPass::real_features(int layer) const {
    if (layer < 1 || size_t(layer) > outputs_.size()) throw Error("CriticPass: D has no layer " + std::to_string(layer));
    return outputs_[size_t(layer - 1)].narrow(0, 0, real_rows_);
}

torch::Tensor CriticPass::backward(const torch::Tensor& eg_grad, const torch::Tensor& dis_grad) {
    torch::NoGradGuard no_graph;
    dis_grad_ = dis_grad;
    const auto dt = features_.scalar_type();
    // The chain runs with D's loss's own gradient on the real rows (they need
    // weight gradients only) and 1 on the fakes' rows, scaled afterwards.
    const int64_t fake_rows = logits_.size(0) - real_rows_;
    torch::Tensor seed = torch::cat({dis_grad.slice(0, 0, real_rows_), torch::ones({fake_rows, logits_.size(1)})}, 0);
    torch::Tensor grad = seed.to(dt).mm(fc_weight_).view_as(outputs_.back()).contiguous(kChannelsLast);
    output_grads_.assign(inputs_.size(), {});
    for (size_t i = inputs_.size(); i-- > 0;) {
        output_grads_[i] = torch::threshold_backward(grad, outputs_[i], 0);
        if (i > 0) grad = std::get<0>(conv_backward(output_grads_[i], inputs_[i], weights_[i], {true, false, false}));
    }
    if (!eg_grad.defined()) return {};
    // The first layer's input gradient only for the fakes: x is data.
    torch::Tensor fake_grad = std::get<0>(conv_backward(output_grads_[0].slice(0, real_rows_),
                                                        inputs_[0].slice(0, real_rows_), weights_[0],
                                                        {true, false, false}));
    return fake_grad.to(torch::kFloat32) * eg_grad.slice(0, real_rows_).view({fake_rows, 1, 1, 1});
}

void CriticPass::accumulate_weight_gradients() {
    if (output_grads_.empty()) throw Error("CriticPass: weight gradients asked before the backward pass");
    torch::NoGradGuard no_graph;
    const auto dt = features_.scalar_type();
    torch::Tensor fake_scale = dis_grad_.slice(0, real_rows_).to(dt).view({-1, 1, 1, 1});
    auto convs = conv_layers(D_);
    for (size_t i = 0; i < convs.size(); ++i) {
        output_grads_[i].slice(0, real_rows_).mul_(fake_scale);
        auto g = conv_backward(output_grads_[i], inputs_[i], weights_[i], {false, true, true});
        accumulate(convs[i]->weight, std::get<1>(g));
        accumulate(convs[i]->bias, std::get<2>(g));
    }
    torch::Tensor dis = dis_grad_.to(dt);
    accumulate(D_->fc->weight, dis.t().mm(features_));
    accumulate(D_->fc->bias, dis.sum(0));
    output_grads_.clear();
}

}  // namespace ifgan
