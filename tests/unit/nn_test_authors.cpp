// The authors' numerics (--bce bounded, --aux-z fresh, --init torch03)
// against hand-worked values.
#include <catch2/catch.hpp>
#include <cmath>

#include "nn/losses.hpp"
#include "nn/networks.hpp"
#include "nn/step.hpp"
#include "nn_fixtures.hpp"

using namespace ifgan;
using ifgan::test::small_model;

TEST_CASE("PyTorch 0.3's bounded BCE at p = 0, p = 1 and in between") {
    const double cap = -std::log(loss::kBoundedBceEps);  // 27.631
    CHECK(cap == Approx(27.631021).epsilon(1e-6));
    // sigmoid(-200) is 0 in fp32 and sigmoid(200) is 1: the bounded form
    // gives -log(1e-12) where the exact form grows without bound.
    auto logits = torch::tensor({-200.0f, 200.0f, 200.0f, 0.0f});
    auto target = torch::tensor({1.0f, 0.0f, 1.0f, 1.0f});
    auto b = loss::bce(logits, target, loss::Bce::bounded);
    CHECK(b[0].item<double>() == Approx(cap).epsilon(1e-6));
    CHECK(b[1].item<double>() == Approx(cap).epsilon(1e-6));
    CHECK(b[2].item<double>() == Approx(0).margin(1e-9));
    CHECK(b[3].item<double>() == Approx(std::log(2.0)).epsilon(1e-6));
    auto exact = loss::bce(logits, target, loss::Bce::logits);
    CHECK(exact[0].item<double>() == Approx(200));
    CHECK(exact[3].item<double>() == Approx(std::log(2.0)).epsilon(1e-6));
    // Saturated, the bounded form stops pushing: no gradient at its logit.
    auto l = torch::tensor({200.0f}, torch::requires_grad());
    loss::bce(l, torch::zeros({1}), loss::Bce::bounded).sum().backward();
    CHECK(l.grad().item<double>() == 0.0);
    auto m = torch::tensor({200.0f}, torch::requires_grad());
    loss::bce(m, torch::zeros({1}), loss::Bce::logits).sum().backward();
    CHECK(m.grad().item<double>() == Approx(1.0));
    // The reductions are those of the exact form.
    auto x = torch::rand({2, 3, 4, 4}), xl = torch::randn({2, 3, 4, 4});
    CHECK(loss::reconstruction(xl, x, loss::Bce::bounded).item<double>() ==
          Approx(loss::reconstruction(xl, x).item<double>()).epsilon(1e-5));
}

TEST_CASE("PyTorch 0.3's initialisation: BatchNorm U(0, 1), transposed convolutions by their input channels") {
    torch::manual_seed(3);
    Networks n = make_networks(small_model(8));
    init_as_torch03(n);
    size_t bns = 0, ups = 0;
    for (auto& m : n.G->modules()) {
        if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) {
            CHECK(bn->weight.min().item<double>() >= 0);
            CHECK(bn->weight.max().item<double>() <= 1);
            CHECK(bn->weight.std().item<double>() > 0.1);  // not LibTorch's ones
            CHECK(bn->bias.abs().max().item<double>() == 0);
            ++bns;
        } else if (auto* up = m->as<UpConvImpl>()) {
            // weight [cin, cout, 3, 3]: bound 1/sqrt(cin * 9), not 1/sqrt(cout * 9).
            const double bound = 1.0 / std::sqrt(double(up->weight.size(0)) * 9);
            CHECK(up->weight.abs().max().item<double>() <= bound);
            CHECK(up->weight.abs().max().item<double>() > 0.9 * bound);
            CHECK(up->bias.abs().max().item<double>() <= bound);
            ++ups;
        }
    }
    CHECK(bns == 2);  // 32 px: two stages with BatchNorm
    CHECK(ups == 3);
}

TEST_CASE("a fresh z for A: A reads another sample of the same posterior") {
    torch::manual_seed(4);
    Networks n = make_networks(small_model(4));
    auto x = torch::rand({4, 3, 32, 32});
    auto y = torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}});
    StepWeights w;
    auto g1 = at::detail::createCPUGenerator(9), g2 = at::detail::createCPUGenerator(9);
    StepLosses shared = ifgan_forward(n, x, y, w, StepRun(), g1);
    w.fresh_aux_z = true;
    StepLosses fresh = ifgan_forward(n, x, y, w, StepRun(), g2);
    // The same z reaches the decoder (the first draw), another reaches A.
    CHECK(fresh.rec.item<double>() == Approx(shared.rec.item<double>()).epsilon(1e-6));
    CHECK(fresh.aux.item<double>() != Approx(shared.aux.item<double>()).epsilon(1e-9));
}
