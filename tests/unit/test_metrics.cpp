#include <catch2/catch.hpp>
#include <cmath>

#include "core/metrics.hpp"
#include "core/util.hpp"

using namespace ifgan;

TEST_CASE("MSE and PSNR against hand-worked values") {
    std::vector<float> a(12, 0.5f), b(12, 0.5f);
    CHECK(mse(a.data(), b.data(), 12) == 0);
    CHECK(psnr_from_mse(0) == 100);
    b[0] = 0.5f + 0.6f;  // one error of 0.6 over 12 values: 0.36 / 12 = 0.03
    CHECK(mse(a.data(), b.data(), 12) == Approx(0.03));
    CHECK(psnr_from_mse(0.01) == Approx(20.0));
    CHECK(psnr_from_mse(0.001) == Approx(30.0));
}

TEST_CASE("SSIM: 1 for identical images, lower for noise and contrast changes") {
    int w = 24, h = 24;
    std::vector<float> img(3 * w * h);
    Rng rng(1);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) img[size_t((c * h + y) * w + x)] = float(0.5 + 0.4 * std::sin(x * 0.5 + c) * std::cos(y * 0.3));
    CHECK(ssim(img.data(), img.data(), w, h) == Approx(1.0));
    std::vector<float> noisy = img, flat(img.size(), 0.5f), shifted = img;
    for (auto& v : noisy) v += float(rng.uniform(-0.2, 0.2));
    for (auto& v : shifted) v += 0.05f;  // a small brightness shift keeps structure
    double s_noise = ssim(img.data(), noisy.data(), w, h);
    double s_flat = ssim(img.data(), flat.data(), w, h);
    double s_shift = ssim(img.data(), shifted.data(), w, h);
    CHECK(s_noise < 0.8);
    CHECK(s_flat < 0.1);  // no structure at all
    CHECK(s_shift > 0.95);
    // Symmetric.
    CHECK(ssim(noisy.data(), img.data(), w, h) == Approx(s_noise));
    // A constant image against a different constant: only the luminance term.
    std::vector<float> c1(3 * w * h, 0.2f), c2(3 * w * h, 0.4f);
    double lum = (2 * 0.2 * 0.4 + 1e-4) / (0.04 + 0.16 + 1e-4);
    CHECK(ssim(c1.data(), c2.data(), w, h) == Approx(lum).epsilon(1e-6));
}

TEST_CASE("the logistic probe finds separable structure and not noise") {
    Rng rng(2);
    size_t d = 10, n = 2000;
    std::vector<float> x(n * d), xt(n * d);
    std::vector<uint8_t> y(n), yt(n);
    auto draw = [&](std::vector<float>& xs, std::vector<uint8_t>& ys, bool signal) {
        for (size_t i = 0; i < n; ++i) {
            ys[i] = rng.coin();
            for (size_t j = 0; j < d; ++j) xs[i * d + j] = float(rng.uniform(-1, 1));
            if (signal) xs[i * d + 3] += ys[i] ? 1.5f : -1.5f;  // linearly separable in one unit
        }
    };
    draw(x, y, true);
    draw(xt, yt, true);
    LogisticProbe p;
    p.fit(x, y, d);
    CHECK(p.accuracy(xt, yt) > 0.98);
    draw(x, y, false);
    draw(xt, yt, false);
    p.fit(x, y, d);
    CHECK(std::abs(p.accuracy(xt, yt) - 0.5) < 0.05);
}
