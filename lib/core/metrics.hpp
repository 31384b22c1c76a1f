// Image and probe metrics for evaluating edits. No LibTorch here.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cmath>
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

// The detail a person sees, for an edit against the true counterfactual.
// Both are sums, so that a measure pools over many faces by adding.
struct Sharpness {
    // Over the pixels where the truth differs from the original (by more
    // than kChangedThreshold in some channel): the variance of the discrete
    // Laplacian of the edit's and of the truth's luminance, times the pixels.
    // `cross`: the covariance of the two Laplacians, times the pixels.
    double edit = 0, truth = 0, cross = 0;
    size_t pixels = 0;
    void add(const Sharpness& o) { edit += o.edit, truth += o.truth, cross += o.cross, pixels += o.pixels; }
    // Edit over truth: 1 as sharp as the truth, below 1 blurred; -1 when no
    // pixel changed. Noise raises it too: read it with detail().
    double ratio() const { return pixels && truth > 0 ? edit / truth : -1.0; }
    // Whether the detail is the truth's: the correlation of the two
    // Laplacians, 1 the same detail in the same places, about 0 detail
    // unrelated to the truth's (noise, a blob); blur and noise both lower
    // it. -1 when no pixel changed or the edit is flat there.
    double detail() const { return pixels && truth > 0 && edit > 0 ? cross / std::sqrt(edit * truth) : -1.0; }
};
constexpr double kChangedThreshold = 0.05;
Sharpness sharpness(const float* edit, const float* truth, const float* orig, int w, int h);

// How much of the true change an edit makes, over every pixel: with
// d = truth - original and c = edit - original, `made` = Σ c·d / Σ d·d,
// the coefficient of the edit's change regressed on the true change (1 the
// true change, 0 none of it: 0.7 leaves a ghost of 30% of the old
// attribute, or draws the new one at 70% of its contrast), and `stray` =
// Σ |c - made·d|² / Σ d·d, what the edit changes that is not the true
// change (noise, a mottled patch, a mouth of the wrong shape), in units of
// the true change's energy. Sums, so that faces pool by adding.
struct ChangeMade {
    double along = 0, truth = 0, edit = 0;  // Σ c·d, Σ d·d, Σ c·c
    void add(const ChangeMade& o) { along += o.along, truth += o.truth, edit += o.edit; }
    // Whether the truth changes anything; where it does not, made() and
    // stray() are -1 (a sentinel only: made can be any real number).
    bool measured() const { return truth > 0; }
    double made() const { return measured() ? along / truth : -1.0; }
    double stray() const { return measured() ? std::max(0.0, edit - along * along / truth) / truth : -1.0; }
};
ChangeMade change_made(const float* edit, const float* truth, const float* orig, size_t n);

// The amplitude of a pattern locked to the pixel grid with period 2 or 4 (a
// stride-2 up-convolution's overlap leaves one): per channel, the magnitude
// of the Fourier coefficients at frequencies 1/2 and 1/4 along each axis and
// both, divided by the pixel count, combined in quadrature. A pattern
// a * (-1)^(x+y) has amplitude a; a smooth image has about 0.
double grid_amplitude(const float* img, int w, int h);

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
