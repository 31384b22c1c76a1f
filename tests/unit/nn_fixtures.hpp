// Small models for the nn tests: 32 px, nz 8, one attribute.
#pragma once
#include "nn/model.hpp"

namespace ifgan::test {

inline ModelConfig small_model(int f, int skips = 0) {
    ModelConfig c;
    c.size = 32;
    c.nz = 8;
    c.f = f;
    c.skips = skips;
    c.attrs = {"A0"};
    return c;
}

// What ifgan_forward computes first with a generator of `seed`: E on x and
// its sample z = mu + σ·ε, ε the generator's first draw.
struct StepCode {
    EncoderOut e;
    torch::Tensor z;
};
inline StepCode step_code(Networks& n, const torch::Tensor& x, uint64_t seed) {
    auto gen = at::detail::createCPUGenerator(seed);
    StepCode c{n.E->forward(x), {}};
    c.z = c.e.mu + (0.5 * c.e.logvar).exp() * torch::randn(c.e.mu.sizes(), gen, torch::kFloat32);
    return c;
}

// Σ|grad| over a module's parameters (those without a gradient count 0).
inline double grad_sum(torch::nn::Module& m) {
    double s = 0;
    for (auto& p : m.parameters())
        if (p.grad().defined()) s += p.grad().abs().sum().item<double>();
    return s;
}

// D's first three conv + ReLU layers, by hand: the features L_feat compares.
inline torch::Tensor critic_features3(Critic& D, torch::Tensor t) {
    for (int i = 0; i < 3; ++i) t = torch::relu(D->convs->layers->begin()[2 * i].forward(t));
    return t;
}

}  // namespace ifgan::test
