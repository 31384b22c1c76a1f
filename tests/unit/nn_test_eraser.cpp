// LEACE: its defining property on the data it was fitted to, and the eraser
// as part of a model file.
#include <catch2/catch.hpp>
#include <cstdio>
#include <unistd.h>

#include "core/metrics.hpp"
#include "nn/checkpoint.hpp"
#include "nn/eraser.hpp"

using namespace ifgan;

namespace {

// n codes in d dimensions whose attributes (k of them, 0/1) shift the codes
// along random directions, with correlated noise of unequal scales.
void leaky_codes(int64_t n, int64_t d, int64_t k, torch::Tensor& x, torch::Tensor& y) {
    torch::manual_seed(11);
    y = (torch::rand({n, k}) < torch::linspace(0.3, 0.6, k)).to(torch::kFloat32);
    torch::Tensor mix = torch::randn({d, d}) * torch::linspace(0.05, 2.0, d);
    x = torch::randn({n, d}).mm(mix) + 3 * y.mm(torch::randn({k, d})) + 1.5;
}

double max_class_mean_gap(const torch::Tensor& x, const torch::Tensor& y) {
    double gap = 0;
    for (int64_t j = 0; j < y.size(1); ++j) {
        torch::Tensor on = y.select(1, j) > 0.5;
        torch::Tensor diff = x.index({on}).to(torch::kFloat64).mean(0) - x.index({on.logical_not()}).to(torch::kFloat64).mean(0);
        gap = std::max(gap, diff.abs().max().item<double>());
    }
    return gap;
}

double probe_accuracy(const torch::Tensor& x, const torch::Tensor& y, int64_t j) {
    torch::Tensor xc = x.contiguous();
    std::vector<float> xv(xc.data_ptr<float>(), xc.data_ptr<float>() + xc.numel());
    std::vector<uint8_t> yv(size_t(y.size(0)));
    for (size_t i = 0; i < yv.size(); ++i) yv[i] = y[int64_t(i)][j].item<float>() > 0.5f;
    LogisticProbe p;
    p.fit(xv, yv, size_t(x.size(1)), 500);
    return p.accuracy(xv, yv);
}

}  // namespace

TEST_CASE("after LEACE the class-conditional means are equal and a linear probe reads nothing") {
    for (int64_t k : {1, 2}) {
        torch::Tensor x, y;
        leaky_codes(4000, 12, k, x, y);
        REQUIRE(max_class_mean_gap(x, y) > 1.0);  // the attributes are plain to see
        ErasureMap e = fit_leace(x, y);
        torch::Tensor xe = x.to(torch::kFloat64) - (x.to(torch::kFloat64) - e.mean).mm(e.proj.t());
        CHECK(max_class_mean_gap(xe, y) < 1e-9);  // to float64 precision
        // And as the tools apply it, in float32.
        Eraser r(12, k);
        r->publish(x, y);
        torch::Tensor xf = r->forward(x);
        CHECK(max_class_mean_gap(xf, y) < 1e-4);
        for (int64_t j = 0; j < k; ++j) {
            double pos = y.select(1, j).mean().item<double>(), majority = std::max(pos, 1 - pos);
            CHECK(probe_accuracy(x, y, j) > 0.95);
            CHECK(probe_accuracy(xf, y, j) <= majority + 0.01);
        }
        // An oblique projection: erasing twice is erasing once.
        CHECK((r->forward(xf) - xf).abs().max().item<double>() < 1e-4);
    }
}

TEST_CASE("the running estimate converges to the exact fit on a steady stream of batches") {
    torch::Tensor x, y;
    leaky_codes(6400, 10, 1, x, y);
    Eraser r(10, 1);
    for (int64_t b = 0; b < 100; ++b) r->update(x.slice(0, b * 64, (b + 1) * 64), y.slice(0, b * 64, (b + 1) * 64));
    // 100 batches at decay 0.99: the plain average of all of them, so the exact fit.
    CHECK(max_class_mean_gap(r->forward_training(x), y) < 1e-4);
    // Later batches are weighted more, and the map follows a code that drifts.
    torch::Tensor drifted = x + 2 * y;  // the attribute moves along a new direction
    for (int64_t b = 0; b < 300; ++b)
        r->update(drifted.slice(0, (b % 100) * 64, (b % 100 + 1) * 64), y.slice(0, (b % 100) * 64, (b % 100 + 1) * 64));
    CHECK(max_class_mean_gap(r->forward_training(drifted), y) < 0.05 * max_class_mean_gap(drifted, y));
    // Before any update the maps change nothing.
    Eraser fresh(10, 1);
    CHECK((fresh->forward(x) - x).abs().max().item<double>() == 0);
}

TEST_CASE("the eraser is part of the model file and of its fingerprint") {
    ModelConfig c;
    c.size = 32;
    c.f = 4;
    c.nz = 6;
    c.attrs = {"Smiling"};
    c.erase = "leace";
    torch::manual_seed(2);
    Networks n = make_networks(c);
    REQUIRE(!n.R.is_empty());
    torch::Tensor codes = torch::randn({200, 6}), y = (torch::rand({200, 1}) > 0.5).to(torch::kFloat32);
    codes.select(1, 0).add_(2 * y.squeeze(1));
    n.R->publish(codes, y);
    std::string path = "/tmp/ifgan-eraser-test-" + std::to_string(::getpid()) + ".ifgan";
    std::string fp = save_model(path, n, {{"step", 0}});
    LoadedModel m = load_model(path, kPartAll, "ifgan");
    CHECK(m.meta["format"] == 2);
    CHECK(m.nets.config.erases());
    CHECK((m.nets.R->forward(codes) - n.R->forward(codes)).abs().max().item<double>() == 0);
    n.R->proj.mul_(0.5);  // another eraser: another model
    CHECK(fingerprint(n, m.meta) != fp);
    std::remove(path.c_str());
    // Without an eraser a model is written as format 1, as before.
    c.erase = "none";
    save_model(path, make_networks(c), {{"step", 0}});
    CHECK(load_model(path, kPartAll, "ifgan").meta["format"] == 1);
    std::remove(path.c_str());
}
