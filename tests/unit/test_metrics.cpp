#include <catch2/catch.hpp>
#include <cmath>

#include <algorithm>

#include "core/image.hpp"
#include "core/metrics.hpp"
#include "core/synth.hpp"
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

namespace {

// A face and its true counterfactual (Smiling flipped), planar floats.
struct FacePair {
    std::vector<float> orig, truth;
    int size = 64;
};
FacePair smiling_pair(uint64_t index) {
    FacePair f;
    FaceParams p = draw_face(7, index), q = p;
    q.attr[kSmiling] = !q.attr[kSmiling];
    auto planar = [&](const Image& im) {
        std::vector<uint8_t> chw(size_t(3) * f.size * f.size);
        to_chw(im, chw.data());
        std::vector<float> v(chw.size());
        unit_floats_from_bytes(chw.data(), chw.size(), v.data());
        return v;
    };
    f.orig = planar(render_face(p, f.size));
    f.truth = planar(render_face(q, f.size));
    return f;
}

// A 3x3 box blur of each channel (edges clamped).
std::vector<float> box_blur(const std::vector<float>& img, int s) {
    std::vector<float> out(img.size());
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < s; ++y)
            for (int x = 0; x < s; ++x) {
                double sum = 0;
                for (int j = -1; j <= 1; ++j)
                    for (int i = -1; i <= 1; ++i) {
                        int xx = std::clamp(x + i, 0, s - 1), yy = std::clamp(y + j, 0, s - 1);
                        sum += img[size_t((c * s + yy) * s + xx)];
                    }
                out[size_t((c * s + y) * s + x)] = float(sum / 9);
            }
    return out;
}

}  // namespace

TEST_CASE("sharpness: the truth scores 1, a blurred copy less, no change no score") {
    Sharpness pooled, blurred;
    for (uint64_t i = 0; i < 4; ++i) {
        FacePair f = smiling_pair(i);
        Sharpness s = sharpness(f.truth.data(), f.truth.data(), f.orig.data(), f.size, f.size);
        REQUIRE(s.pixels > 20);  // the mouth changed
        CHECK(s.ratio() == Approx(1.0));
        pooled.add(s);
        blurred.add(sharpness(box_blur(f.truth, f.size).data(), f.truth.data(), f.orig.data(), f.size, f.size));
    }
    CHECK(pooled.ratio() == Approx(1.0));
    CHECK(blurred.pixels == pooled.pixels);
    CHECK(blurred.ratio() < 0.5);
    FacePair f = smiling_pair(0);
    CHECK(sharpness(f.orig.data(), f.orig.data(), f.orig.data(), f.size, f.size).ratio() == -1.0);
}

TEST_CASE("detail: the truth's own detail scores 1; blur, noise and a shifted copy score less") {
    Sharpness truth, blurred, noisy, noise_only;
    Rng rng(7);
    for (uint64_t i = 0; i < 4; ++i) {
        FacePair f = smiling_pair(i);
        truth.add(sharpness(f.truth.data(), f.truth.data(), f.orig.data(), f.size, f.size));
        blurred.add(sharpness(box_blur(f.truth, f.size).data(), f.truth.data(), f.orig.data(), f.size, f.size));
        // The truth under strong speckle: sharper by the Laplacian's
        // variance, yet less of it the truth's.
        std::vector<float> speckled = f.truth, speckle(f.truth.size());
        for (size_t k = 0; k < speckle.size(); ++k) speckle[k] = float(rng.uniform(-0.4, 0.4));
        for (size_t k = 0; k < speckled.size(); ++k) speckled[k] += speckle[k];
        noisy.add(sharpness(speckled.data(), f.truth.data(), f.orig.data(), f.size, f.size));
        for (size_t k = 0; k < speckle.size(); ++k) speckle[k] += 0.5f;
        noise_only.add(sharpness(speckle.data(), f.truth.data(), f.orig.data(), f.size, f.size));
    }
    CHECK(truth.detail() == Approx(1.0));
    CHECK(blurred.detail() < 0.9);
    CHECK(blurred.detail() > 0.3);  // blurred, the detail is still in its places
    CHECK(noisy.ratio() > 2.5);     // the ratio alone would call speckle sharp
    CHECK(noisy.detail() < 0.65);
    // Independent noise adds to the edit's variance alone: detail = 1 / sqrt(ratio).
    CHECK(noisy.detail() == Approx(1 / std::sqrt(noisy.ratio())).epsilon(0.05));
    CHECK(std::abs(noise_only.detail()) < 0.1);
    FacePair f = smiling_pair(0);
    CHECK(sharpness(f.orig.data(), f.orig.data(), f.orig.data(), f.size, f.size).detail() == -1.0);
    // Known values: an edit that is the truth scaled by 2 about its mean
    // changes the ratio (4), not the detail (1); its negative gives -1.
    std::vector<float> doubled = f.truth, negative = f.truth;
    for (size_t k = 0; k < doubled.size(); ++k) doubled[k] = 2 * f.truth[k], negative[k] = -f.truth[k];
    Sharpness d = sharpness(doubled.data(), f.truth.data(), f.orig.data(), f.size, f.size);
    CHECK(d.ratio() == Approx(4.0));
    CHECK(d.detail() == Approx(1.0));
    CHECK(sharpness(negative.data(), f.truth.data(), f.orig.data(), f.size, f.size).detail() == Approx(-1.0));
}

TEST_CASE("change made: hand-worked values; the truth 1, the original 0, a ghost its share, noise stray") {
    // orig (0, 0), truth (1, 0), edit (0.5, 0.5): c·d = 0.5 of d·d = 1; |c - 0.5 d|² = 0.25.
    const float o[] = {0, 0}, t[] = {1, 0}, e[] = {0.5f, 0.5f};
    ChangeMade hand = change_made(e, t, o, 2);
    CHECK(hand.made() == Approx(0.5));
    CHECK(hand.stray() == Approx(0.25));
    ChangeMade truth, orig, ghost, noisy;
    Rng rng(5);
    for (uint64_t i = 0; i < 8; ++i) {
        FacePair f = smiling_pair(i);
        const size_t n = f.orig.size();
        truth.add(change_made(f.truth.data(), f.truth.data(), f.orig.data(), n));
        orig.add(change_made(f.orig.data(), f.truth.data(), f.orig.data(), n));
        // 30% of the old attribute left: the edit made 70% of the change.
        std::vector<float> blend(n), speckled = f.truth;
        for (size_t k = 0; k < n; ++k) blend[k] = 0.3f * f.orig[k] + 0.7f * f.truth[k];
        ghost.add(change_made(blend.data(), f.truth.data(), f.orig.data(), n));
        for (auto& v : speckled) v += float(rng.uniform(-0.1, 0.1));
        noisy.add(change_made(speckled.data(), f.truth.data(), f.orig.data(), n));
    }
    CHECK(truth.made() == Approx(1.0));
    CHECK(truth.stray() == Approx(0.0).margin(1e-12));
    CHECK(orig.made() == Approx(0.0).margin(1e-12));
    CHECK(orig.stray() == Approx(0.0).margin(1e-12));
    CHECK(ghost.made() == Approx(0.7).epsilon(1e-5));
    CHECK(ghost.stray() == Approx(0.0).margin(1e-6));
    // Independent noise is stray change and leaves `made` where it was.
    CHECK(noisy.made() == Approx(1.0).epsilon(0.05));
    CHECK(noisy.stray() > 0.1);
    // Its stray energy is the noise's: 3·4096·8 values of variance 0.2²/12.
    CHECK(noisy.stray() * noisy.truth == Approx(3 * 4096 * 8 * 0.04 / 12).epsilon(0.05));
    FacePair f = smiling_pair(0);
    CHECK(change_made(f.orig.data(), f.orig.data(), f.orig.data(), f.orig.size()).made() == -1.0);
    CHECK(change_made(f.orig.data(), f.orig.data(), f.orig.data(), f.orig.size()).stray() == -1.0);
}

TEST_CASE("grid amplitude: hand-worked patterns, a face, a face with a grid added") {
    const int s = 16;
    std::vector<float> img(3 * s * s, 0.5f);
    CHECK(grid_amplitude(img.data(), s, s) == Approx(0.0).margin(1e-12));
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < s; ++y)
            for (int x = 0; x < s; ++x) img[size_t((c * s + y) * s + x)] = 0.5f + 0.1f * (((x + y) % 2) ? -1.0f : 1.0f);
    CHECK(grid_amplitude(img.data(), s, s) == Approx(0.1));
    // cos(pi x / 2) splits between frequencies 1/4 and 3/4: half its amplitude at 1/4.
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < s; ++y)
            for (int x = 0; x < s; ++x) img[size_t((c * s + y) * s + x)] = 0.5f + 0.2f * float(std::cos(M_PI * x / 2));
    CHECK(grid_amplitude(img.data(), s, s) == Approx(0.1));
    FacePair f = smiling_pair(1);
    const double face = grid_amplitude(f.truth.data(), f.size, f.size);
    CHECK(face < 0.005);
    std::vector<float> gridded = f.truth;
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < f.size; ++y)
            for (int x = 0; x < f.size; ++x) gridded[size_t((c * f.size + y) * f.size + x)] += (x % 2) ? -0.02f : 0.02f;
    CHECK(grid_amplitude(gridded.data(), f.size, f.size) > 0.015);
    CHECK(grid_amplitude(gridded.data(), f.size, f.size) > 4 * face);
}
