#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "nn/checkpoint.hpp"
#include "nn/critic_pass.hpp"
#include "nn/losses.hpp"
#include "nn/model.hpp"
#include "nn/networks.hpp"
#include "nn/step.hpp"
#include "nn_fixtures.hpp"
#include <algorithm>
#include <cstring>

#include "core/util.hpp"

using namespace ifgan;

namespace {

ModelConfig tiny_config(int size = 32, int k = 1) {
    ModelConfig c;
    c.size = size;
    c.nz = 8;
    c.f = 4;
    for (int i = 0; i < k; ++i) c.attrs.push_back("A" + std::to_string(i));
    return c;
}

std::string temp_path(const std::string& name) {
    char tmpl[] = "/tmp/ifgan-nn-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    return std::string(tmpl) + "/" + name;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// A batch of four 32x32 images and its labels 1, 0, 1, 0 (k = 1).
torch::Tensor tiny_images() { return torch::rand({4, 3, 32, 32}); }
torch::Tensor tiny_labels() { return torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}}); }
// The tiny networks and a batch for them, from one seed.
struct TinyStep {
    Networks n;
    torch::Tensor x, y;
};
TinyStep tiny_step(uint64_t seed) {
    torch::manual_seed(seed);
    return TinyStep{make_networks(tiny_config()), tiny_images(), tiny_labels()};  // in this order, from the seed
}

// Every parameter of a module, flattened into one copied vector.
torch::Tensor flat_params(torch::nn::Module& m) {
    std::vector<torch::Tensor> v;
    for (auto& p : m.parameters()) v.push_back(p.detach().flatten().clone());
    return torch::cat(v);
}

}  // namespace

TEST_CASE("loss terms against hand-worked values") {
    const double ln2 = std::log(2.0);
    // Logits 0 mean probability 0.5: BCE is ln 2 for any target.
    auto x = torch::rand({2, 3, 4, 4});
    auto zero_logits = torch::zeros({2, 3, 4, 4});
    // 96 values x ln2, divided by side² = 16.
    CHECK(loss::reconstruction(zero_logits, x).item<double>() == Approx(96 * ln2 / 16));
    // Exact targets: logit +-inf-like values give ~0 loss.
    auto bin = torch::randint(0, 2, {1, 3, 2, 2}).to(torch::kFloat32);
    CHECK(loss::reconstruction((bin * 2 - 1) * 30, bin).item<double>() == Approx(0).margin(1e-9));
    // KL: mu=(1,0), logvar=(0,0): 0.5 * (1 + 0) / nz(2) = 0.25 per image; two images.
    auto mu = torch::tensor({{1.0f, 0.0f}, {1.0f, 0.0f}});
    CHECK(loss::kl(mu, torch::zeros({2, 2})).item<double>() == Approx(0.5));
    // logvar = ln 2 for one unit: 0.5 * (2 - 1 - ln2) / 2
    auto lv = torch::tensor({{float(ln2), 0.0f}});
    CHECK(loss::kl(torch::zeros({1, 2}), lv).item<double>() == Approx(0.5 * (1 - ln2) / 2));
    // Classification is a mean over batch and attributes.
    CHECK(loss::classification(torch::zeros({4, 3}), torch::ones({4, 3})).item<double>() == Approx(ln2));
    auto logits = torch::tensor({{2.0f}});
    CHECK(loss::classification(logits, torch::ones({1, 1})).item<double>() == Approx(std::log(1 + std::exp(-2.0))));
    CHECK(loss::classification(logits, torch::zeros({1, 1})).item<double>() == Approx(std::log(1 + std::exp(2.0))));
    // GAN terms are sums: batch of 2, logits 0.
    auto d0 = torch::zeros({2, 1});
    CHECK(loss::gan_sum(d0, 1).item<double>() == Approx(2 * ln2));
    CHECK(loss::generator(d0, d0).item<double>() == Approx(0.5 * (2 * ln2 + 2 * ln2)));
    CHECK(loss::discriminator(d0, d0, d0).item<double>() == Approx(0.3 * 6 * ln2));
    // D confident and right: its loss is small; the generator's is large.
    auto hi = torch::full({2, 1}, 10.0f), lo = torch::full({2, 1}, -10.0f);
    CHECK(loss::discriminator(hi, lo, lo).item<double>() < 1e-3);
    CHECK(loss::generator(lo, lo).item<double>() > 19);
}

TEST_CASE("network shapes for sizes 32, 64, 128 and k = 1, 3") {
    for (int size : {32, 64, 128})
        for (int k : {1, 3}) {
            ModelConfig c = tiny_config(size, k);
            Networks n = make_networks(c);
            auto x = torch::rand({2, 3, size, size});
            EncoderOut e = n.E->forward(x);
            CHECK(e.mu.sizes() == torch::IntArrayRef({2, 8}));
            CHECK(e.logvar.sizes() == torch::IntArrayRef({2, 8}));
            CHECK(e.y_logits.sizes() == torch::IntArrayRef({2, k}));
            CHECK(n.G->forward(torch::rand({2, k}), e.mu).sizes() == torch::IntArrayRef({2, 3, size, size}));
            CHECK(n.D->forward(x).sizes() == torch::IntArrayRef({2, 1}));
            CHECK(n.A->forward(e.mu).sizes() == torch::IntArrayRef({2, k}));
            ModelConfig cc = c;
            cc.kind = "classifier";
            CHECK(make_networks(cc).C->forward(x).sizes() == torch::IntArrayRef({2, k}));
        }
    CHECK(stack_depth(64) == 4);
    CHECK(stack_depth(32) == 3);
    CHECK_THROWS_AS(stack_depth(48), UsageError);
    CHECK(stack_depth(512) == 7);
    CHECK_THROWS_AS(stack_depth(1024), UsageError);
    CHECK_THROWS_AS(stack_depth(8), UsageError);
}

TEST_CASE("the detached ŷ head passes no gradient to the conv stack") {
    for (bool detached : {true, false}) {
        ModelConfig c = tiny_config();
        c.detached_head = detached;
        Networks n = make_networks(c);
        auto x = torch::rand({2, 3, 32, 32});
        loss::classification(n.E->forward(x).y_logits, torch::ones({2, 1})).backward();
        bool conv_grad = false;
        for (auto& p : n.E->convs->parameters()) conv_grad |= p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
        CHECK(conv_grad == !detached);
        CHECK(n.E->y_head->weight.grad().abs().sum().item<double>() > 0);
    }
}

TEST_CASE("gradient routing of the training step") {
    auto [n, x, y] = tiny_step(3);
    StepWeights w;
    StepRun run;
    run.critic_by_hand = false;  // autograd all the way: the by-hand pass is checked against it below
    auto grads = [](const std::vector<torch::Tensor>& ps) {
        std::vector<torch::Tensor> out;
        for (auto& p : ps) out.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
        return out;
    };
    auto zero = [&n = n] {
        for (auto& m : n.modules())
            for (auto& p : m->parameters()) p.mutable_grad() = torch::Tensor();
    };
    auto E = params_of({n.E.ptr()}), G = params_of({n.G.ptr()}), D = params_of({n.D.ptr()}), A = params_of({n.A.ptr()});

    auto gen = at::detail::createCPUGenerator(7);
    StepLosses l = ifgan_forward(n, x, y, w, run, gen);
    // References, each from its own loss alone.
    auto ref_d = torch::autograd::grad({l.dis}, D, {}, true, false, true);
    auto ref_a = torch::autograd::grad({l.aux}, A, {}, true, false, true);
    auto ref_e_aux = torch::autograd::grad({l.aux}, E, {}, true, false, true);
    auto ref_e_eg = torch::autograd::grad({l.eg}, E, {}, true, false, true);
    zero();
    ifgan_backward(n, l);
    auto gd = grads(D), ga = grads(A), ge = grads(E);
    // D learns from its own loss only: nothing of the generator's loss reaches it.
    for (size_t i = 0; i < D.size(); ++i) CHECK(max_abs_diff(gd[i], ref_d[i]) < 1e-6);
    // A descends its own loss (not the encoder's −γ term).
    for (size_t i = 0; i < A.size(); ++i) CHECK(max_abs_diff(ga[i], ref_a[i]) < 1e-6);
    for (size_t i = 0; i < E.size(); ++i) CHECK(max_abs_diff(ge[i], ref_e_eg[i]) < 1e-5);

    // E's share of A's loss enters with the sign −γ: the difference between
    // γ = 1 and γ = 0 on the same forward noise is −∂aux/∂E.
    w.gamma = 0;
    auto gen0 = at::detail::createCPUGenerator(7);
    StepLosses l0 = ifgan_forward(n, x, y, w, run, gen0);
    zero();
    ifgan_backward(n, l0);
    auto ge0 = grads(E);
    double checked = 0;
    for (size_t i = 0; i < E.size(); ++i) {
        if (!ref_e_aux[i].defined()) continue;
        CHECK(max_abs_diff(ge[i] - ge0[i], -ref_e_aux[i]) < 1e-4);
        checked += ref_e_aux[i].abs().sum().item<double>();
    }
    CHECK(checked > 0);  // A's loss does reach E through z
}

// Every parameter's gradient after ifgan_backward, from a fresh forward pass.
static std::vector<torch::Tensor> step_gradients(Networks& n, const torch::Tensor& x, const torch::Tensor& y,
                                                 const StepWeights& w, const StepRun& run,
                                                 StepLosses* losses = nullptr) {
    for (auto& m : n.modules())
        for (auto& p : m->parameters()) p.mutable_grad() = torch::Tensor();
    auto gen = at::detail::createCPUGenerator(11);
    StepLosses l = ifgan_forward(n, x, y, w, run, gen);
    ifgan_backward(n, l);
    if (losses) *losses = l;
    std::vector<torch::Tensor> out;
    for (auto& m : n.modules())
        for (auto& p : m->parameters()) out.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return out;
}

// The tiny model and batch in channels-last, as ifgan-train runs them.
static TinyStep channels_last_step(uint64_t seed) {
    TinyStep s = tiny_step(seed);
    s.x = s.x.contiguous(torch::MemoryFormat::ChannelsLast);
    for (auto& m : s.n.modules()) to_channels_last(*m);
    return s;
}

TEST_CASE("D's pass by hand gives autograd's gradients to E, G, D and A") {
    auto [n, x, y] = channels_last_step(12);
    for (int variant = 0; variant < 7; ++variant) {
        StepWeights w;
        StepRun run;
        w.label_input = variant == 1;
        w.beta_samples = variant == 2;
        if (variant == 3) run.shard = 1, run.shards = 2, w.delta = 0.5;
        if (variant >= 4) w.feature_rec = 0.5;  // L_feat beside the pass by hand
        if (variant >= 5) w.delta = 0;          // ... with D read through its features alone
        if (variant == 6) w.critic_fraction = 0.5;  // ... and D run on half of each batch
        INFO("variant " << variant);
        run.critic_by_hand = false;
        StepLosses ref_l, l;
        auto ref = step_gradients(n, x, y, w, run, &ref_l);
        run.critic_by_hand = true;
        auto got = step_gradients(n, x, y, w, run, &l);
        CHECK(l.critic);
        CHECK(l.gen.item<double>() == Approx(ref_l.gen.item<double>()).epsilon(1e-6));
        CHECK(l.dis.item<double>() == Approx(ref_l.dis.item<double>()).epsilon(1e-6));
        CHECK(l.eg.item<double>() == Approx(ref_l.eg.item<double>()).epsilon(1e-6));
        CHECK(l.feat.item<double>() == Approx(ref_l.feat.item<double>()).epsilon(1e-6));
        CHECK((variant >= 4) == (l.feat.item<double>() > 0));
        CHECK(l.eg_reads_critic == (variant < 5));
        REQUIRE(got.size() == ref.size());
        double worst = 0, seen = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            double scale = std::max(ref[i].abs().max().item<double>(), 1e-3);
            worst = std::max(worst, max_abs_diff(got[i], ref[i]) / scale);
            seen += ref[i].abs().sum().item<double>();
        }
        CHECK(seen > 0);
        CHECK(worst < 1e-4);
        // D's share alone: its gradients are D's loss's, not zero.
        for (auto& p : n.D->parameters()) CHECK(p.grad().abs().sum().item<double>() > 0);
    }
    // The per-image scaling needs one logit per image: a k-output critic is refused.
    Critic classifier(32, 4, 2);
    CHECK_THROWS_WITH(CriticPass(classifier, x, x, false), Catch::Contains("one output"));
}

TEST_CASE("D on half of each batch (--critic-fraction) leaves L_feat and E and G's gradients as they were") {
    auto [n, x, y] = channels_last_step(14);
    StepWeights w;
    w.delta = 0, w.feature_rec = 0.5;
    StepLosses whole, half;
    auto ref = step_gradients(n, x, y, w, StepRun(), &whole);
    w.critic_fraction = 0.5;
    auto got = step_gradients(n, x, y, w, StepRun(), &half);
    REQUIRE(half.critic);
    CHECK(whole.critic->logits().size(0) == 3 * x.size(0));
    CHECK(half.critic->logits().size(0) == 3 * x.size(0) / 2);  // the first half of x, x̂ and x̃
    // L_feat compares the whole batch, D's pass or not.
    CHECK(half.feat.item<double>() > 0);
    CHECK(half.feat.item<double>() == Approx(whole.feat.item<double>()).epsilon(1e-6));
    CHECK(half.eg.item<double>() == Approx(whole.eg.item<double>()).epsilon(1e-6));
    size_t i = 0;
    for (auto& m : n.modules()) {
        const bool is_d = m.get() == n.D.ptr().get();
        double diff = 0, scale = 0, moved = 0;
        for (size_t j = 0; j < m->parameters().size(); ++j, ++i) {
            diff = std::max(diff, max_abs_diff(got[i], ref[i]));
            scale = std::max(scale, ref[i].abs().max().item<double>());
            moved += got[i].abs().sum().item<double>();
        }
        INFO("network " << m->name());
        if (is_d) CHECK((moved > 0 && diff > 1e-4 * scale));  // D's loss over its rows alone
        else CHECK(diff <= 1e-4 * std::max(scale, 1e-3));
    }
    CHECK(i == got.size());
}

TEST_CASE("D's pass by hand in bf16 stays within bf16 rounding of autograd's") {
    auto [n, x, y] = channels_last_step(13);
    StepWeights w;
    StepRun run;
    run.bf16 = true;
    run.critic_by_hand = false;
    auto ref = step_gradients(n, x, y, w, run);
    run.critic_by_hand = true;
    auto got = step_gradients(n, x, y, w, run);
    // bf16 keeps 8 bits of mantissa: each network's gradient agrees to a
    // few percent of its norm, not to float precision. (Per network, not per
    // tensor: a bias followed by BatchNorm has a gradient of zero, up to noise.)
    size_t i = 0;
    for (auto& m : n.modules()) {
        std::vector<torch::Tensor> a, b;
        for (size_t j = 0; j < m->parameters().size(); ++j, ++i) {
            a.push_back(got[i].flatten());
            b.push_back(ref[i].flatten());
        }
        double ref_norm = torch::cat(b).norm().item<double>();
        INFO("network " << m->name());
        CHECK(ref_norm > 0);
        CHECK((torch::cat(a) - torch::cat(b)).norm().item<double>() / ref_norm < 0.01);
    }
    CHECK(i == got.size());
}

TEST_CASE("one step changes E, G, A and D; a zero weight removes its term") {
    auto [n, x, y] = tiny_step(4);
    StepWeights w;
    w.beta = 0;
    auto gen = at::detail::createCPUGenerator(1);
    StepLosses l = ifgan_forward(n, x, y, w, StepRun(), gen);
    CHECK(l.cls_rec.item<double>() == 0);  // β = 0: no pass 5 at all
    std::vector<torch::Tensor> before;
    for (auto& m : n.modules()) before.push_back(flat_params(*m));
    std::vector<torch::Tensor> all;
    for (auto& m : n.modules())
        for (auto& p : m->parameters()) all.push_back(p);
    torch::optim::SGD sgd(all, 0.01);
    ifgan_backward(n, l);
    sgd.step();
    size_t i = 0;
    for (auto& m : n.modules()) CHECK(max_abs_diff(flat_params(*m), before[i++]) > 0);
}

TEST_CASE("a model file round trip gives identical outputs; damaged files are errors") {
    torch::manual_seed(5);
    ModelConfig c = tiny_config();
    Networks n = make_networks(c);
    std::string path = temp_path("m.ifgan");
    std::string fp = save_model(path, n, {{"step", 0}});
    Model m = Model::load(path);
    CHECK(m.fingerprint() == fp);
    CHECK(m.config().attrs == c.attrs);
    Model enc = Model::load(path, kPartEncoder, "ifgan");
    std::vector<uint8_t> img(3 * 32 * 32);
    for (size_t i = 0; i < img.size(); ++i) img[i] = uint8_t(i * 7);
    std::vector<float> z1(8), y1(1), z2(8), y2(1);
    m.encode(img.data(), 1, false, 1, z1.data(), y1.data());
    enc.encode(img.data(), 1, false, 1, z2.data(), y2.data());
    CHECK(z1 == z2);
    CHECK(y1 == y2);
    // The same computation on the in-memory network.
    n.E->eval();
    torch::NoGradGuard ng;
    auto ref = n.E->forward(images_to_tensor(img.data(), 1, 32)).mu;
    for (int i = 0; i < 8; ++i) CHECK(z1[size_t(i)] == Approx(ref[0][i].item<float>()).margin(1e-6));
    std::vector<float> out1(3 * 32 * 32), out2(3 * 32 * 32);
    m.decode(z1.data(), y1.data(), 1, out1.data());
    Model::load(path, kPartDecoder).decode(z1.data(), y1.data(), 1, out2.data());
    CHECK(out1 == out2);

    auto bytes = read_file(path);
    write_file_atomic(path + ".cut", bytes.data(), bytes.size() / 2);
    CHECK_THROWS_WITH(Model::load(path + ".cut"), Catch::Contains(".cut") && Catch::Contains("damaged or truncated"));
    write_file_atomic(path + ".txt", std::string("hello"));
    CHECK_THROWS_WITH(Model::load(path + ".txt"), Catch::Contains("not an ifgan model"));
    CHECK_THROWS_WITH(Model::load(path, kPartAll, "classifier"), Catch::Contains("needs a 'classifier' model"));
    // A newer format is refused with a clear message.
    save_model(path + ".new", n, {{"step", 0}});
    {
        auto m2 = load_model(path + ".new", kPartAll, "");
        nlohmann::json meta = m2.meta;
        torch::serialize::OutputArchive ar;
        torch::serialize::OutputArchive e;
        m2.nets.E->save(e);
        ar.write("E", e);
        meta["format"] = kModelFormat + 1;
        ar.write("meta", c10::IValue(meta.dump()));
        ar.save_to(path + ".new");
    }
    CHECK_THROWS_WITH(Model::load(path + ".new"), Catch::Contains("newer"));
}

TEST_CASE("without the GAN term D is neither run nor trained; the confusion adversary is bounded") {
    auto [n, x, y] = tiny_step(6);
    StepWeights w;
    w.delta = 0;
    w.adversary = Adversary::confusion;
    auto gen = at::detail::createCPUGenerator(2);
    StepLosses l = ifgan_forward(n, x, y, w, StepRun(), gen);
    CHECK(l.gen.item<double>() == 0);
    CHECK(l.dis.item<double>() == 0);
    // BCE(A(z), ½) is at least ln 2, the value at A's output ½.
    CHECK(l.adv.item<double>() >= std::log(2.0) - 1e-6);
    ifgan_backward(n, l);
    for (auto& p : n.D->parameters()) CHECK(!p.grad().defined());
    bool e_grad = false;
    for (auto& p : n.E->parameters()) e_grad |= p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
    CHECK(e_grad);
}

TEST_CASE("feature reconstruction: x̂ against x in D's third layer, its gradient to E and G, D trained at δ = 0") {
    auto [n, x, y] = tiny_step(8);
    StepWeights w;
    w.delta = 0;
    w.feature_rec = 0.5;
    auto gen = at::detail::createCPUGenerator(3);
    StepLosses l = ifgan_forward(n, x, y, w, StepRun(), gen);
    // By hand: the same z, D's three conv + ReLU layers, Σ(D₃(x̂) − D₃(x))² ÷ 4²
    // (a 32-px image halves three times to 4 × 4).
    torch::Tensor expected;
    {
        torch::NoGradGuard ng;
        test::StepCode c = test::step_code(n, x, 3);
        torch::Tensor xr = torch::sigmoid(n.G->forward(torch::sigmoid(c.e.y_logits), c.z));
        auto d3 = [&n](torch::Tensor t) { return test::critic_features3(n.D, t); };
        torch::Tensor fr = d3(xr), fx = d3(x);
        CHECK(fr.size(-1) == 4);
        expected = (fr - fx).pow(2).sum() / 16.0;
    }
    CHECK(l.feat.item<double>() > 0);
    CHECK(l.feat.item<double>() == Approx(expected.item<double>()).epsilon(1e-5));
    // It is part of E and G's loss with its weight.
    const double rest = (l.rec + w.alpha * l.kl + w.rho * l.cls + w.beta * l.cls_rec + w.gamma * l.adv).item<double>();
    CHECK(l.eg.item<double>() == Approx(rest + 0.5 * l.feat.item<double>()).epsilon(1e-6));
    // D is run for it and trained by its own loss, though δ = 0; L_feat's
    // gradient reaches G and E and never D.
    CHECK(l.dis.item<double>() > 0);
    torch::autograd::backward({l.feat}, {}, true, false, params_of({n.E.ptr(), n.G.ptr()}));
    CHECK(test::grad_sum(*n.G) > 0);
    CHECK(test::grad_sum(*n.E) > 0);
    for (auto& p : n.D->parameters()) CHECK(!p.grad().defined());
    for (auto& p : n.E->parameters()) p.mutable_grad() = torch::Tensor();
    for (auto& p : n.G->parameters()) p.mutable_grad() = torch::Tensor();
    ifgan_backward(n, l);
    CHECK(test::grad_sum(*n.D) > 0);
    // Off: no term, and at δ = 0 no D.
    w.feature_rec = 0;
    gen = at::detail::createCPUGenerator(3);
    StepLosses off = ifgan_forward(n, x, y, w, StepRun(), gen);
    CHECK(off.feat.item<double>() == 0);
    CHECK(off.dis.item<double>() == 0);
}

TEST_CASE("the landmark term: L(z, y) against each face's landmarks, its gradient to E and L, not G") {
    auto [n, x, y] = tiny_step(8);
    const int64_t B = x.size(0), nz = n.config.nz, k = int64_t(n.config.k());
    // What L reads: z, z times each attribute, y (here 3 numbers of code, 2 attributes).
    {
        torch::Tensor z = torch::arange(6, torch::kFloat32).view({2, 3}) + 1, yy = torch::tensor({{1.f, 0.f}, {0.f, 1.f}});
        torch::Tensor expected = torch::tensor({{1.f, 2.f, 3.f, 1.f, 2.f, 3.f, 0.f, 0.f, 0.f, 1.f, 0.f},
                                                {4.f, 5.f, 6.f, 0.f, 0.f, 0.f, 4.f, 5.f, 6.f, 0.f, 1.f}});
        CHECK(max_abs_diff(landmark_input(z, yy), expected) == 0);
    }
    n.L = landmark_head(nz, k);
    CHECK(n.L->weight.size(1) == (nz + 1) * k + nz);
    torch::Tensor marks = torch::randn({B, 10});
    StepWeights w;
    w.delta = 0;
    w.landmarks = 0.25;
    auto gen = at::detail::createCPUGenerator(3);
    StepLosses l = ifgan_forward(n, x, y, w, StepRun(), gen, marks);
    // By hand: the same z, Σ(L(z, y) − marks)².
    torch::Tensor expected;
    {
        torch::NoGradGuard ng;
        test::StepCode c = test::step_code(n, x, 3);
        expected = (n.L->forward(landmark_input(c.z, y)) - marks).pow(2).sum();
    }
    CHECK(l.marks.item<double>() > 0);
    CHECK(l.marks.item<double>() == Approx(expected.item<double>()).epsilon(1e-5));
    const double rest = (l.rec + w.alpha * l.kl + w.rho * l.cls + w.beta * l.cls_rec + w.gamma * l.adv).item<double>();
    CHECK(l.eg.item<double>() == Approx(rest + 0.25 * l.marks.item<double>()).epsilon(1e-6));
    // Its gradient reaches the code and the head, and G not at all.
    torch::autograd::backward({l.marks}, {}, true, false, params_of({n.E.ptr(), n.G.ptr(), n.L.ptr()}));
    CHECK(test::grad_sum(*n.E) > 0);
    CHECK(test::grad_sum(*n.L) > 0);
    CHECK(test::grad_sum(*n.G) == 0);
    // And ifgan_backward trains L with E and G.
    for (auto& p : n.L->parameters()) p.mutable_grad() = torch::Tensor();
    ifgan_backward(n, l);
    CHECK(test::grad_sum(*n.L) > 0);
    // Off: no term, and no head read.
    w.landmarks = 0;
    gen = at::detail::createCPUGenerator(3);
    CHECK(ifgan_forward(n, x, y, w, StepRun(), gen).marks.item<double>() == 0);
}

TEST_CASE("A's standardised input undoes per-dimension scale") {
    torch::manual_seed(7);
    // Standardisation undoes any per-dimension scale: a direction shrunk by
    // 1e-2 reads the same as at full scale.
    auto code = torch::randn({64, 8});
    auto shrunk = code * torch::tensor({1e-2f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f});
    auto s = aux_input(shrunk, true);
    CHECK(max_abs_diff(s.mean(0), torch::zeros({8})) < 1e-5);
    CHECK(max_abs_diff(s.std(0, false), torch::ones({8})) < 1e-3);
    CHECK(max_abs_diff(s, aux_input(code, true)) < 1e-3);
    CHECK(max_abs_diff(aux_input(code, false), code) == 0);
}

TEST_CASE("the up-convolution is ConvTranspose2d(3, stride 2, padding 1, output padding 1)") {
    torch::manual_seed(8);
    for (bool channels_last : {false, true})
        for (auto [cin, cout, side] : {std::tuple{5, 3, 4}, std::tuple{8, 6, 7}, std::tuple{3, 3, 1}}) {
            INFO("channels-last " << channels_last << ", " << cin << " -> " << cout << " at " << side);
            UpConv up(cin, cout);
            torch::nn::ConvTranspose2d ref(
                torch::nn::ConvTranspose2dOptions(cin, cout, 3).stride(2).padding(1).output_padding(1));
            {
                torch::NoGradGuard ng;
                ref->weight.copy_(up->weight);
                ref->bias.copy_(up->bias);
            }
            if (channels_last) to_channels_last(*up);
            auto x = torch::randn({2, cin, side, side});
            if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
            x.requires_grad_(true);
            auto x_ref = x.detach().contiguous().requires_grad_(true);
            auto out = up->forward(x), out_ref = ref->forward(x_ref);
            REQUIRE(out.sizes() == out_ref.sizes());
            CHECK(max_abs_diff(out, out_ref) < 1e-5);
            // Gradients too: a fixed random upstream gradient through both.
            auto g = torch::randn(out.sizes());
            (out * g).sum().backward();
            (out_ref * g).sum().backward();
            CHECK(max_abs_diff(x.grad(), x_ref.grad()) < 1e-5);
            CHECK(max_abs_diff(up->weight.grad(), ref->weight.grad()) < 1e-4);
            CHECK(max_abs_diff(up->bias.grad(), ref->bias.grad()) < 1e-4);
            // In bf16 under autocast: the same layer to bf16 precision, with
            // gradients reaching the fp32 parameters.
            up->weight.mutable_grad() = torch::Tensor();
            {
                Autocast ac(true);
                auto out16 = up->forward(x);
                CHECK(out16.scalar_type() == torch::kBFloat16);
                CHECK(max_abs_diff(out16.to(torch::kFloat32), out_ref) < 0.05 * out_ref.abs().max().item<double>());
                (out16.to(torch::kFloat32) * g).sum().backward();
            }
            CHECK(up->weight.grad().scalar_type() == torch::kFloat32);
            CHECK(max_abs_diff(up->weight.grad(), ref->weight.grad()) < 0.05 * ref->weight.grad().abs().max().item<double>());
            // Without gradients (the tools' path) the output is the same.
            torch::NoGradGuard ng;
            CHECK(max_abs_diff(up->forward(x), out_ref) < 1e-5);
        }
    // Its parameters carry ConvTranspose2d's names, so model files are unchanged.
    auto names = UpConv(4, 2)->named_parameters().keys();
    CHECK(names == std::vector<std::string>{"weight", "bias"});
}

TEST_CASE("Fisher's linear separation against hand-worked values") {
    // d = 1: class 1 at {1, 3}, class 0 at {−1, −3}. Means 2 and −2 (difference
    // 4); pooled within-class variance (1+1+1+1)/4 = 1; ridge 1: 4² / 2 = 8.
    auto codes = torch::tensor({{1.0f}, {3.0f}, {-1.0f}, {-3.0f}});
    auto y = torch::tensor({{1.0f}, {1.0f}, {0.0f}, {0.0f}});
    CHECK(loss::linear_separation(codes, y, 1.0).item<double>() == Approx(8.0).epsilon(1e-5));
    // A label-dependent shift in one of four directions reads far above the
    // same codes without it.
    torch::manual_seed(10);
    auto yy = (torch::arange(64) % 2).to(torch::kFloat32).unsqueeze(1);
    auto noise = torch::randn({64, 4});
    auto leak = noise.clone();
    leak.select(1, 0).add_(4 * yy.squeeze(1));
    CHECK(loss::linear_separation(leak, yy, 0.1).item<double>() > 5 * loss::linear_separation(noise, yy, 0.1).item<double>());
    // No class on one side: nothing to separate.
    CHECK(loss::linear_separation(codes, torch::ones({4, 1}), 1.0).item<double>() == 0);
}

TEST_CASE("a flipped bit in any network's weights makes the file damaged, never a different model") {
    ModelConfig c = tiny_config();
    for (const char* section : {"E", "G", "A", "D"}) {
        torch::manual_seed(6);
        Networks n = make_networks(c);
        // A recognisable value in the section's first parameter, to find in the file.
        torch::nn::Module& m = std::string(section) == "E"   ? static_cast<torch::nn::Module&>(*n.E)
                               : std::string(section) == "G" ? static_cast<torch::nn::Module&>(*n.G)
                               : std::string(section) == "A" ? static_cast<torch::nn::Module&>(*n.A)
                                                             : static_cast<torch::nn::Module&>(*n.D);
        const float mark = 1.2345678f;
        {
            torch::NoGradGuard ng;
            m.parameters()[0].view(-1)[0].fill_(mark);
        }
        std::string path = temp_path(std::string("flip-") + section + ".ifgan");
        save_model(path, n, {{"step", 0}});
        std::vector<uint8_t> bytes = read_file(path);
        uint8_t pattern[4];
        std::memcpy(pattern, &mark, 4);
        auto at = std::search(bytes.begin(), bytes.end(), pattern, pattern + 4);
        REQUIRE(at != bytes.end());
        at[1] ^= 0x04;  // one bit of the mantissa
        write_file_atomic(path, bytes);
        // Caught by the archive's CRC-32 before LibTorch parses it (the
        // per-network checksums are the second line, for bytes that pass it).
        CHECK_THROWS_WITH(load_model(path, kPartAll, "ifgan"), Catch::Contains(path + ": damaged"));
    }
}
