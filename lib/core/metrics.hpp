// Image and probe metrics for evaluating edits. No LibTorch here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ifgan {

// Planar float images (3 x h x w, values in [0,1]).
double mse(const float* a, const float* b, size_t n);
// PSNR in dB for images in [0,1]; capped at 100 for identical images.
double psnr_from_mse(double mse);
// Mean SSIM over the three channels: 11x11 Gaussian window (sigma 1.5),
// C1 = (0.01)^2, C2 = (0.03)^2 (Wang et al. 2004), valid windows only.
double ssim(const float* a, const float* b, int w, int h);

// L2-regularised logistic regression on standardised features, trained by
// full-batch gradient descent: the leakage probe.
class LogisticProbe {
public:
    void fit(const std::vector<float>& x, const std::vector<uint8_t>& y, size_t d, int iters = 300, double l2 = 1e-3);
    double predict(const float* x) const;  // P(y = 1)
    double accuracy(const std::vector<float>& x, const std::vector<uint8_t>& y) const;

private:
    size_t d_ = 0;
    std::vector<double> mean_, inv_std_, w_;
    double b_ = 0;
};

}  // namespace ifgan
