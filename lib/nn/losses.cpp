#include "nn/losses.hpp"

namespace ifgan::loss {

namespace F = torch::nn::functional;

torch::Tensor reconstruction(const torch::Tensor& x_logits, const torch::Tensor& x) {
    double side = double(x.size(-1));
    return F::binary_cross_entropy_with_logits(x_logits, x,
                                               F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum)) /
           (side * side);
}

torch::Tensor kl(const torch::Tensor& mu, const torch::Tensor& logvar) {
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / double(mu.size(1));
}

torch::Tensor classification(const torch::Tensor& logits, const torch::Tensor& y) {
    return F::binary_cross_entropy_with_logits(logits, y);
}

torch::Tensor gan_sum(const torch::Tensor& logits, float target) {
    return F::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target),
                                               F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
}

torch::Tensor generator(const torch::Tensor& d_rec, const torch::Tensor& d_sample) {
    return 0.5 * (gan_sum(d_rec, 1) + gan_sum(d_sample, 1));
}

torch::Tensor discriminator(const torch::Tensor& d_real, const torch::Tensor& d_rec, const torch::Tensor& d_sample) {
    return 0.3 * (gan_sum(d_real, 1) + gan_sum(d_rec, 0) + gan_sum(d_sample, 0));
}

torch::Tensor linear_separation(const torch::Tensor& codes, const torch::Tensor& y, double ridge) {
    torch::Tensor total = torch::zeros({}, codes.options());
    const int64_t n = codes.size(0), d = codes.size(1);
    for (int64_t j = 0; j < y.size(1); ++j) {
        torch::Tensor on = y.select(1, j) > 0.5;
        torch::Tensor a = codes.index({on}), b = codes.index({on.logical_not()});
        if (a.size(0) == 0 || b.size(0) == 0) continue;
        torch::Tensor ma = a.mean(0), mb = b.mean(0);
        torch::Tensor ca = a - ma, cb = b - mb;
        torch::Tensor within = (ca.t().mm(ca) + cb.t().mm(cb)) / double(n) +
                               ridge * torch::eye(d, codes.options());
        torch::Tensor diff = (ma - mb).unsqueeze(1);
        total = total + diff.t().mm(torch::linalg_solve(within, diff)).squeeze();
    }
    return total / double(y.size(1));
}

}  // namespace ifgan::loss
