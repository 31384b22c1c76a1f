#include "losses.hpp"

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

}  // namespace ifgan::loss
