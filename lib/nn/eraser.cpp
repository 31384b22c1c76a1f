#include "nn/eraser.hpp"

#include <ATen/autocast_mode.h>

namespace ifgan {

ErasureMap leace_from_moments(const torch::Tensor& mean, const torch::Tensor& cov_xx, const torch::Tensor& cov_xy) {
    const auto f64 = torch::kFloat64;
    auto [evals, evecs] = torch::linalg::eigh(cov_xx.to(f64), "L");
    // Directions without variance carry nothing to erase (the pseudo-inverse).
    const double top = evals.max().item<double>();
    torch::Tensor keep = evals > std::max(top, 0.0) * 1e-8;
    torch::Tensor safe = torch::where(keep, evals, torch::ones_like(evals));
    torch::Tensor inv_sqrt = torch::where(keep, safe.rsqrt(), torch::zeros_like(evals));
    torch::Tensor sqrt = torch::where(keep, safe.sqrt(), torch::zeros_like(evals));
    torch::Tensor W = evecs.mm(torch::diag(inv_sqrt)).mm(evecs.t());
    torch::Tensor W_pinv = evecs.mm(torch::diag(sqrt)).mm(evecs.t());
    // An orthonormal basis of the whitened cross-covariance's columns.
    torch::Tensor A = W.mm(cov_xy.to(f64));
    auto [U, S, Vh] = torch::linalg::svd(A, false, c10::nullopt);
    const double smax = S.numel() ? S.max().item<double>() : 0.0;
    torch::Tensor basis = U.index({torch::indexing::Slice(), S > smax * 1e-8});
    if (smax <= 0) basis = torch::zeros({A.size(0), 0}, A.options());
    torch::Tensor P = basis.mm(basis.t());
    return {mean.to(f64), W_pinv.mm(P).mm(W)};
}

ErasureMap fit_leace(const torch::Tensor& codes, const torch::Tensor& y) {
    torch::Tensor x = codes.to(torch::kFloat64), z = y.to(torch::kFloat64);
    const double n = double(x.size(0));
    torch::Tensor mx = x.mean(0), mz = z.mean(0);
    torch::Tensor xc = x - mx, zc = z - mz;
    return leace_from_moments(mx, xc.t().mm(xc) / n, xc.t().mm(zc) / n);
}

EraserImpl::EraserImpl(int64_t nz, int64_t k) {
    auto f32 = torch::kFloat32, f64 = torch::kFloat64;
    // Until fitted, the maps change nothing.
    mean = register_buffer("mean", torch::zeros({nz}, f32));
    proj = register_buffer("proj", torch::zeros({nz, nz}, f32));
    train_mean = register_buffer("train_mean", torch::zeros({nz}, f32));
    train_proj = register_buffer("train_proj", torch::zeros({nz, nz}, f32));
    m_x = register_buffer("m_x", torch::zeros({nz}, f64));
    m_y = register_buffer("m_y", torch::zeros({k}, f64));
    m_xx = register_buffer("m_xx", torch::zeros({nz, nz}, f64));
    m_xy = register_buffer("m_xy", torch::zeros({nz, k}, f64));
    seen = register_buffer("seen", torch::zeros({1}, f64));
}

static torch::Tensor apply_map(const torch::Tensor& x, const torch::Tensor& mean, const torch::Tensor& proj) {
    // In fp32 even inside a bf16 step: bf16's 8-bit mantissa would leave the
    // class means apart by about 1% of their distance.
    const bool autocast = at::autocast::is_cpu_enabled();
    at::autocast::set_cpu_enabled(false);
    torch::Tensor xf = x.to(torch::kFloat32);
    torch::Tensor out = xf - (xf - mean).mm(proj.t());
    at::autocast::set_cpu_enabled(autocast);
    return out;
}

torch::Tensor EraserImpl::forward(const torch::Tensor& x) const { return apply_map(x, mean, proj); }
torch::Tensor EraserImpl::forward_training(const torch::Tensor& x) const { return apply_map(x, train_mean, train_proj); }

void EraserImpl::update(const torch::Tensor& codes, const torch::Tensor& y) {
    torch::NoGradGuard ng;
    torch::Tensor x = codes.detach().to(torch::kFloat64), z = y.detach().to(torch::kFloat64);
    const double n = double(x.size(0));
    // Raw (uncentred) moments average cleanly; the covariances follow from them.
    torch::Tensor bx = x.mean(0), by = z.mean(0), bxx = x.t().mm(x) / n, bxy = x.t().mm(z) / n;
    // A plain average until the window is full, then exponential: no bias
    // towards the first batches.
    const double t = seen.item<double>(), a = std::min(decay, t / (t + 1));
    m_x.mul_(a).add_(bx, 1 - a);
    m_y.mul_(a).add_(by, 1 - a);
    m_xx.mul_(a).add_(bxx, 1 - a);
    m_xy.mul_(a).add_(bxy, 1 - a);
    seen.add_(1);
    ErasureMap e = leace_from_moments(m_x, m_xx - torch::outer(m_x, m_x), m_xy - torch::outer(m_x, m_y));
    train_mean.copy_(e.mean);
    train_proj.copy_(e.proj);
}

void EraserImpl::publish(const torch::Tensor& codes, const torch::Tensor& y) {
    torch::NoGradGuard ng;
    ErasureMap e = fit_leace(codes, y);
    mean.copy_(e.mean);
    proj.copy_(e.proj);
}

}  // namespace ifgan
