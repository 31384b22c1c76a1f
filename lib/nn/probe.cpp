#include "nn/probe.hpp"

#include <torch/torch.h>

#include "core/util.hpp"

namespace ifgan {

namespace {

torch::Tensor rows(const std::vector<float>& x, size_t d) {
    return torch::from_blob(const_cast<float*>(x.data()), {int64_t(x.size() / d), int64_t(d)}, torch::kFloat32).clone();
}

torch::Tensor labels(const std::vector<uint8_t>& y) {
    torch::Tensor t = torch::empty({int64_t(y.size()), 1}, torch::kFloat32);
    for (size_t i = 0; i < y.size(); ++i) t.data_ptr<float>()[i] = y[i];
    return t;
}

}  // namespace

double mlp_probe_accuracy(const std::vector<float>& train_x, const std::vector<uint8_t>& train_y,
                          const std::vector<float>& test_x, const std::vector<uint8_t>& test_y, size_t d,
                          uint64_t seed) {
    if (d == 0 || train_y.empty() || test_y.empty()) throw Error("the MLP probe needs codes to train and test on");
    torch::manual_seed(seed);
    torch::Tensor xtr = rows(train_x, d), xte = rows(test_x, d), ytr = labels(train_y), yte = labels(test_y);
    // Standardised with the train split's statistics, as the linear probe is.
    torch::Tensor mean = xtr.mean(0), inv_std = (xtr.var(0, false) + 1e-8).rsqrt();
    xtr = (xtr - mean) * inv_std;
    xte = (xte - mean) * inv_std;
    torch::nn::Sequential net(torch::nn::Linear(int64_t(d), 128), torch::nn::ReLU(), torch::nn::Linear(128, 128),
                              torch::nn::ReLU(), torch::nn::Linear(128, 1));
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3).weight_decay(1e-4));
    const int64_t n = xtr.size(0), batch = 128;
    // 60 passes over the train codes: past the point where held-out accuracy
    // stops rising on codes that leak (measured on synthetic faces).
    for (int epoch = 0; epoch < 60; ++epoch) {
        torch::Tensor order = torch::randperm(n);
        for (int64_t s = 0; s < n; s += batch) {
            torch::Tensor idx = order.slice(0, s, std::min(n, s + batch));
            torch::Tensor loss = torch::binary_cross_entropy_with_logits(net->forward(xtr.index_select(0, idx)),
                                                                          ytr.index_select(0, idx));
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
    }
    torch::NoGradGuard ng;
    return ((net->forward(xte) > 0).to(torch::kFloat32) == yte).to(torch::kFloat32).mean().item<double>();
}

}  // namespace ifgan
