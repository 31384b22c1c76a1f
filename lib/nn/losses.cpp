#include "nn/losses.hpp"

namespace ifgan::loss {

namespace F = torch::nn::functional;

torch::Tensor bce(const torch::Tensor& logits, const torch::Tensor& target, Bce form) {
    if (form == Bce::logits)
        return F::binary_cross_entropy_with_logits(logits, target,
                                                   F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone));
    torch::Tensor p = torch::sigmoid(logits);
    return -(target * (p + kBoundedBceEps).log() + (1 - target) * (1 - p + kBoundedBceEps).log());
}

torch::Tensor reconstruction(const torch::Tensor& x_logits, const torch::Tensor& x, Bce form) {
    double side = double(x.size(-1));
    if (form == Bce::logits)
        return F::binary_cross_entropy_with_logits(x_logits, x,
                                                   F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum)) /
               (side * side);
    return bce(x_logits, x, form).sum() / (side * side);
}

torch::Tensor kl(const torch::Tensor& mu, const torch::Tensor& logvar) {
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / double(mu.size(1));
}

torch::Tensor classification(const torch::Tensor& logits, const torch::Tensor& y, Bce form) {
    if (form == Bce::logits) return F::binary_cross_entropy_with_logits(logits, y);
    return bce(logits, y, form).mean();
}

torch::Tensor gan_sum(const torch::Tensor& logits, float target, Bce form) {
    if (form == Bce::logits)
        return F::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target),
                                                   F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
    return bce(logits, torch::full_like(logits, target), form).sum();
}

torch::Tensor generator(const torch::Tensor& d_rec, const torch::Tensor& d_sample, Bce form) {
    return 0.5 * (gan_sum(d_rec, 1, form) + gan_sum(d_sample, 1, form));
}

torch::Tensor discriminator(const torch::Tensor& d_real, const torch::Tensor& d_rec, const torch::Tensor& d_sample,
                            Bce form) {
    return 0.3 * (gan_sum(d_real, 1, form) + gan_sum(d_rec, 0, form) + gan_sum(d_sample, 0, form));
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
