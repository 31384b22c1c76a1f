#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace ifgan {

double mse(const float* a, const float* b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) {
        double d = double(a[i]) - double(b[i]);
        s += d * d;
    }
    return n ? s / double(n) : 0;
}

double psnr_from_mse(double m) { return m <= 1e-10 ? 100.0 : 10.0 * std::log10(1.0 / m); }

double ssim(const float* a, const float* b, int w, int h) {
    const int R = 5;  // 11x11 window
    if (w < 2 * R + 1 || h < 2 * R + 1) return 1.0 - mse(a, b, size_t(3) * w * h);  // too small: fall back
    double g[2 * R + 1], gs = 0;
    for (int i = -R; i <= R; ++i) gs += g[i + R] = std::exp(-(i * i) / (2 * 1.5 * 1.5));
    for (double& v : g) v /= gs;
    const double C1 = 1e-4, C2 = 9e-4;
    double total = 0;
    size_t count = 0;
    for (int c = 0; c < 3; ++c) {
        const float* A = a + size_t(c) * w * h;
        const float* B = b + size_t(c) * w * h;
        for (int y = R; y < h - R; ++y)
            for (int x = R; x < w - R; ++x) {
                double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
                for (int j = -R; j <= R; ++j)
                    for (int i = -R; i <= R; ++i) {
                        double wt = g[j + R] * g[i + R];
                        double va = A[(y + j) * w + x + i], vb = B[(y + j) * w + x + i];
                        ma += wt * va;
                        mb += wt * vb;
                        saa += wt * va * va;
                        sbb += wt * vb * vb;
                        sab += wt * va * vb;
                    }
                double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
                total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
                ++count;
            }
    }
    return total / double(count);
}

namespace {

// Rec. 601 luminance of pixel i of a planar image.
double luma(const float* img, size_t plane, size_t i) {
    return 0.299 * img[i] + 0.587 * img[plane + i] + 0.114 * img[2 * plane + i];
}

// The 4-neighbour Laplacian of the luminance at (x, y), inside the border.
double laplacian(const float* img, int w, size_t plane, int x, int y) {
    const size_t i = size_t(y) * w + x;
    return luma(img, plane, i - 1) + luma(img, plane, i + 1) + luma(img, plane, i - w) + luma(img, plane, i + w) -
           4 * luma(img, plane, i);
}

bool changed(const float* truth, const float* orig, size_t plane, size_t i) {
    for (int c = 0; c < 3; ++c)
        if (std::fabs(double(truth[c * plane + i]) - double(orig[c * plane + i])) > kChangedThreshold) return true;
    return false;
}

}  // namespace

Sharpness sharpness(const float* edit, const float* truth, const float* orig, int w, int h) {
    const size_t plane = size_t(w) * h;
    double se = 0, see = 0, st = 0, stt = 0, set = 0;
    size_t n = 0;
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            if (!changed(truth, orig, plane, size_t(y) * w + x)) continue;
            double le = laplacian(edit, w, plane, x, y), lt = laplacian(truth, w, plane, x, y);
            se += le, see += le * le, st += lt, stt += lt * lt, set += le * lt;
            ++n;
        }
    Sharpness s;
    if (!n) return s;
    const double dn = double(n);
    s.edit = see - se * se / dn;  // n times the variance
    s.truth = stt - st * st / dn;
    s.cross = set - se * st / dn;
    s.pixels = n;
    return s;
}

ChangeMade change_made(const float* edit, const float* truth, const float* orig, size_t n) {
    ChangeMade m;
    for (size_t i = 0; i < n; ++i) {
        const double c = double(edit[i]) - orig[i], d = double(truth[i]) - orig[i];
        m.along += c * d, m.truth += d * d, m.edit += c * c;
    }
    return m;
}

double grid_amplitude(const float* img, int w, int h) {
    // cos and sin of 2 pi f k at f = 1/2 and 1/4: period-2 and period-4 patterns.
    auto wave = [](int period, int k, bool sine) {
        const double a = 2 * M_PI * double(k % period) / period;
        return sine ? std::sin(a) : std::cos(a);
    };
    const size_t plane = size_t(w) * h;
    double power = 0;
    for (int c = 0; c < 3; ++c) {
        const float* p = img + c * plane;
        // Frequencies (fx, fy) as periods; 0 means constant along that axis.
        for (auto [px, py] : {std::pair{2, 0}, {0, 2}, {2, 2}, {4, 0}, {0, 4}, {4, 4}}) {
            double re = 0, im = 0;
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    // e^{-i(ax + by)} = (cos ax - i sin ax)(cos by - i sin by).
                    double cx = px ? wave(px, x, false) : 1, sx = px ? wave(px, x, true) : 0;
                    double cy = py ? wave(py, y, false) : 1, sy = py ? wave(py, y, true) : 0;
                    double v = p[size_t(y) * w + x];
                    re += v * (cx * cy - sx * sy);
                    im -= v * (sx * cy + cx * sy);
                }
            power += (re * re + im * im) / (double(plane) * double(plane));
        }
    }
    return std::sqrt(power / 3);
}

void LogisticProbe::fit(const std::vector<float>& x, const std::vector<uint8_t>& y, size_t d, int iters, double l2) {
    d_ = d;
    size_t n = y.size();
    mean_.assign(d, 0);
    inv_std_.assign(d, 0);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j) mean_[j] += x[i * d + j];
    for (double& m : mean_) m /= double(std::max<size_t>(n, 1));
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j) {
            double v = x[i * d + j] - mean_[j];
            inv_std_[j] += v * v;
        }
    for (double& s : inv_std_) s = 1.0 / std::sqrt(s / double(std::max<size_t>(n, 1)) + 1e-8);
    std::vector<double> z(n * d);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j) z[i * d + j] = (x[i * d + j] - mean_[j]) * inv_std_[j];
    w_.assign(d, 0);
    b_ = 0;
    // Adam on the mean log loss: robust to the scale of the problem.
    std::vector<double> gw(d), mw(d, 0), vw(d, 0);
    double mb = 0, vb = 0;
    const double lr = 0.05, b1 = 0.9, b2 = 0.999;
    for (int t = 1; t <= iters; ++t) {
        std::fill(gw.begin(), gw.end(), 0.0);
        double gb = 0;
        for (size_t i = 0; i < n; ++i) {
            double s = b_;
            for (size_t j = 0; j < d; ++j) s += w_[j] * z[i * d + j];
            double p = 1 / (1 + std::exp(-s)), e = p - y[i];
            for (size_t j = 0; j < d; ++j) gw[j] += e * z[i * d + j];
            gb += e;
        }
        for (size_t j = 0; j < d; ++j) {
            double gj = gw[j] / double(n) + l2 * w_[j];
            mw[j] = b1 * mw[j] + (1 - b1) * gj;
            vw[j] = b2 * vw[j] + (1 - b2) * gj * gj;
            w_[j] -= lr * (mw[j] / (1 - std::pow(b1, t))) / (std::sqrt(vw[j] / (1 - std::pow(b2, t))) + 1e-8);
        }
        gb /= double(n);
        mb = b1 * mb + (1 - b1) * gb;
        vb = b2 * vb + (1 - b2) * gb * gb;
        b_ -= lr * (mb / (1 - std::pow(b1, t))) / (std::sqrt(vb / (1 - std::pow(b2, t))) + 1e-8);
    }
}

double LogisticProbe::predict(const float* x) const {
    double s = b_;
    for (size_t j = 0; j < d_; ++j) s += w_[j] * (x[j] - mean_[j]) * inv_std_[j];
    return 1 / (1 + std::exp(-s));
}

double LogisticProbe::accuracy(const std::vector<float>& x, const std::vector<uint8_t>& y) const {
    size_t hit = 0;
    for (size_t i = 0; i < y.size(); ++i) hit += (predict(&x[i * d_]) >= 0.5) == bool(y[i]);
    return y.empty() ? 0 : double(hit) / double(y.size());
}

}  // namespace ifgan
