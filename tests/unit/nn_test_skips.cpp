// The decoder's gated skips: the gates, the edit through them, the model
// file, and the training term.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/util.hpp"
#include "nn/checkpoint.hpp"
#include "nn/model.hpp"
#include "nn/networks.hpp"
#include "nn/step.hpp"
#include "nn_fixtures.hpp"

using namespace ifgan;

namespace {

ModelConfig skip_config(int skips) { return ifgan::test::small_model(4, skips); }

// Networks of three skips with the image in level 0, for inference, whose
// decoder's image y changes strongly, so that an edit's gates shut somewhere.
Networks editing_networks(uint64_t seed) {
    torch::manual_seed(seed);
    ModelConfig c = skip_config(3);
    c.skip_image = true;
    Networks n = make_networks(c);
    n.E->eval(), n.G->eval();
    torch::NoGradGuard ng;
    n.G->fc->weight.narrow(1, 0, 1).fill_(20.0);
    return n;
}

// The networks saved to a model file and read back from it.
LoadedModel saved_and_loaded(Networks& n) {
    char dir[] = "/tmp/ifgan-skips-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/m.ifgan";
    save_model(path, n, {{"step", 0}});
    struct Cleanup {
        std::string dir;
        ~Cleanup() { std::system(("rm -rf " + dir).c_str()); }
    } cleanup{dir};
    return load_model(path, kPartAll, "");
}

// Networks with the image in level 0 whose decoder's last layer the caller
// has silenced: with level 0's projection of its features silenced too, the
// open gates give back the image x, each pixel within half a level of 8
// bits, and with level 0 shut over the left half the output there is
// G(y, z)'s. Returns those half-shut gates.
std::vector<torch::Tensor> check_image_passes(Networks& n, const torch::Tensor& x, const torch::Tensor& y,
                                              const EncoderOut& e) {
    auto& level0 = *n.G->skip_proj[0]->as<torch::nn::Conv2dImpl>();
    level0.weight.narrow(1, 0, n.config.f).zero_();
    level0.bias.zero_();
    std::vector<torch::Tensor> open = {torch::ones({2, 1, 32, 32}), torch::ones({2, 1, 16, 16}), torch::ones({2, 1, 8, 8})};
    torch::Tensor back = torch::sigmoid(n.G->forward(y, e.mu, Skips{e.skips, open, {}, {}}));
    CHECK((back - x).abs().max().item<double>() <= 0.5 / 255);
    std::vector<torch::Tensor> half = open;
    half[0] = torch::ones({2, 1, 32, 32});
    half[0].narrow(3, 0, 16).zero_();
    torch::Tensor plain = n.G->forward(y, e.mu);
    torch::Tensor a = n.G->forward(y, e.mu, Skips{e.skips, half, plain, {}});
    CHECK((a - plain).narrow(3, 0, 16).abs().max().item<double>() == 0.0);
    return half;
}

}  // namespace

TEST_CASE("skip gates: open where nothing changes, shut over a change's receptive field") {
    torch::Tensor from = torch::full({1, 3, 64, 64}, 0.5f), to = from.clone();
    CHECK(skip_gates(from, to, 3)[0].min().item<float>() == 1.0f);
    CHECK(skip_receptive_field(0) == 3);
    CHECK(skip_receptive_field(1) == 5);
    CHECK(skip_receptive_field(2) == 13);
    CHECK(skip_receptive_field(3) == 29);
    // One pixel of one channel changed by 1.8: averaged over 3 x 3, 0.2
    // (above kGateHigh) on the 3 x 3 pixels around it, rows 19..21 x cols 20..22.
    static_assert(kGateSmooth == 3, "the counts below are for a 3 x 3 average");
    to[0][1][20][21] = 0.5f + 1.8f;
    auto g = skip_gates(from, to, 3);
    REQUIRE(g.size() == 3);
    CHECK(g[0].sizes() == torch::IntArrayRef({1, 1, 64, 64}));
    CHECK(g[1].sizes() == torch::IntArrayRef({1, 1, 32, 32}));
    CHECK(g[2].sizes() == torch::IntArrayRef({1, 1, 16, 16}));
    static_assert(kGateMargin == 2, "the counts below are for a margin of 2 pixels");
    // Widened by the margin: rows 17..23 x cols 18..24. Level 0 (64x64, 3 px
    // receptive field): one pixel more around that, 9 x 9.
    CHECK(g[0].sum().item<float>() == Approx(64 * 64 - 81));
    CHECK(g[0][0][0][16][25].item<float>() == 0.0f);
    CHECK(g[0][0][0][15][21].item<float>() == 1.0f);
    CHECK(g[0][0][0][20][26].item<float>() == 1.0f);
    // Not widened (an edit of a model with the image in level 0): the 3 x 3
    // pixels and level 0's one more around them, 5 x 5.
    CHECK(skip_gates(from, to, 1, 0)[0].sum().item<float>() == Approx(64 * 64 - 25));
    CHECK(skip_gates(from, to, 1, kGateMargin)[0].sum().item<float>() == Approx(64 * 64 - 81));
    // Level 1 (32x32, 5 px): cells 8..11 x 9..12, one cell more around: 6 x 6.
    CHECK(g[1].sum().item<float>() == Approx(32 * 32 - 36));
    CHECK(g[1][0][0][7][13].item<float>() == 0.0f);
    CHECK(g[1][0][0][10][14].item<float>() == 1.0f);
    // Level 2 (16x16, 13 px): cells 4..5 x 4..6, two cells more around: 6 x 7.
    CHECK(g[2].sum().item<float>() == Approx(16 * 16 - 42));
    CHECK(g[2][0][0][2][8].item<float>() == 0.0f);
    CHECK(g[2][0][0][1][5].item<float>() == 1.0f);
    // A 3 x 3 block changed: below kGateLow nothing is withheld; halfway up
    // the ramp, half (at the block's centre, where the average is the change).
    auto block = [&](float change) {
        torch::Tensor t = from.clone();
        t[0][1].slice(0, 19, 22).slice(1, 20, 23) += change;
        return t;
    };
    CHECK(skip_gates(from, block(float(kGateLow) * 0.9f), 1)[0].min().item<float>() == 1.0f);
    CHECK(skip_gates(from, block(float(kGateLow + kGateHigh) / 2), 1)[0].min().item<float>() ==
          Approx(0.5f).margin(1e-5));
    // Pixel noise, ±0.3 in a checkerboard over the whole image, averages to at
    // most 0.3 / 9 (kGateLow is 0.05): every gate stays open.
    torch::Tensor ramp = torch::arange(64);
    torch::Tensor signs = ((ramp.view({64, 1}) + ramp.view({1, 64})) % 2 * 2 - 1).to(torch::kFloat32);
    torch::Tensor noisy = from.clone();
    noisy[0][0] += 0.3f * signs;
    for (const auto& gate : skip_gates(from, noisy, 3)) CHECK(gate.min().item<float>() == 1.0f);
}

TEST_CASE("a decoder with skips: the maps change the image only where the gates are open") {
    torch::manual_seed(11);
    ModelConfig c = skip_config(3);
    Networks n = make_networks(c);
    n.E->eval(), n.G->eval();
    torch::NoGradGuard ng;
    torch::Tensor x = torch::rand({2, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}});
    EncoderOut e = n.E->forward(x);
    REQUIRE(e.skips.size() == 3);
    CHECK(e.skips[0].sizes() == torch::IntArrayRef({2, 4, 32, 32}));
    CHECK(e.skips[1].sizes() == torch::IntArrayRef({2, 4, 16, 16}));
    CHECK(e.skips[2].sizes() == torch::IntArrayRef({2, 8, 8, 8}));
    // The reconstruction (y_from == y_to) passes every map.
    std::vector<torch::Tensor> open = {torch::ones({2, 1, 32, 32}), torch::ones({2, 1, 16, 16}), torch::ones({2, 1, 8, 8})};
    torch::Tensor rec = edit_logits(n, e, e.mu, y, y);
    CHECK((rec - n.G->forward(y, e.mu, Skips{e.skips, open, {}, {}})).abs().max().item<double>() == 0.0);
    // Other maps with the gates shut give the same image; with them open, another.
    std::vector<torch::Tensor> shut = {torch::zeros({2, 1, 32, 32}), torch::zeros({2, 1, 16, 16}), torch::zeros({2, 1, 8, 8})};
    EncoderOut other = n.E->forward(torch::rand({2, 3, 32, 32}));
    torch::Tensor a = n.G->forward(y, e.mu, Skips{e.skips, shut, {}, {}}), b = n.G->forward(y, e.mu, Skips{other.skips, shut, {}, {}});
    CHECK((a - b).abs().max().item<double>() == 0.0);
    CHECK((n.G->forward(y, e.mu, Skips{other.skips, open, {}, {}}) - rec).abs().max().item<double>() > 1e-4);
    // The maps' first row read again by a third image (Skips::repeat), as
    // if the maps had been given with that row repeated.
    std::vector<torch::Tensor> repeated, gates3;
    for (size_t i = 0; i < e.skips.size(); ++i) {
        repeated.push_back(torch::cat({e.skips[i], e.skips[i].narrow(0, 0, 1)}));
        gates3.push_back(torch::cat({open[i], shut[i].narrow(0, 0, 1)}));
    }
    torch::Tensor y3 = torch::cat({y, 1 - y.narrow(0, 0, 1)}), z3 = torch::cat({e.mu, e.mu.narrow(0, 0, 1)});
    torch::Tensor whole = n.G->forward(y3, z3, Skips{repeated, gates3, {}, {}});
    torch::Tensor once = n.G->forward(y3, z3, Skips{e.skips, gates3, {}, {}, 1});
    CHECK(once.size(0) == 3);
    CHECK((once - whole).abs().max().item<double>() < 1e-5);
    CHECK((once.narrow(0, 2, 1) - once.narrow(0, 0, 1)).abs().max().item<double>() > 1e-4);
    // Without skips the model's decoder is the paper's.
    ModelConfig plain = skip_config(0);
    torch::manual_seed(11);
    Networks p = make_networks(plain);
    p.E->eval(), p.G->eval();
    // Three 1x1 convolutions and two BatchNorms, two parameters each.
    CHECK(p.G->named_parameters().size() + 10 == n.G->named_parameters().size());
    EncoderOut pe = p.E->forward(x);
    CHECK(pe.skips.empty());
    CHECK((edit_logits(p, pe, pe.mu, y, 1 - y) - p.G->forward(1 - y, pe.mu)).abs().max().item<double>() == 0.0);
}

TEST_CASE("a model with skips: the file round trip, Model::edit, and the step's skip term") {
    torch::manual_seed(12);
    ModelConfig c = skip_config(2);
    Networks n = make_networks(c);
    char dir[] = "/tmp/ifgan-skips-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/m.ifgan";
    save_model(path, n, {{"step", 0}});
    CHECK(load_model(path, kPartAll, "").meta["format"] == 3);
    Model m = Model::load(path, kPartDecoder);  // the encoder comes with a decoder that needs it
    CHECK(m.has_skips());
    std::vector<uint8_t> img(3 * 32 * 32);
    for (size_t i = 0; i < img.size(); ++i) img[i] = uint8_t(i * 13);
    std::vector<float> z(8), y(1), out(img.size()), ref(img.size());
    m.encode(img.data(), 1, false, 1, z.data(), y.data());
    float y1 = 1 - y[0];
    m.edit(img.data(), z.data(), y.data(), &y1, 1, out.data());
    {
        n.E->eval(), n.G->eval();
        torch::NoGradGuard ng;
        EncoderOut e = n.E->forward(images_to_tensor(img.data(), 1, 32));
        torch::Tensor t = torch::sigmoid(edit_logits(n, e, e.mu, torch::sigmoid(e.y_logits), torch::full({1, 1}, y1)));
        for (size_t i = 0; i < ref.size(); ++i) CHECK(out[i] == Approx(t.flatten()[int64_t(i)].item<float>()).margin(1e-5));
        // Asked for the reconstruction too: the same edit, and the reconstruction's image.
        std::vector<float> out2(img.size()), rec(img.size());
        m.edit(img.data(), z.data(), y.data(), &y1, 1, out2.data(), rec.data());
        CHECK(out2 == out);
        torch::Tensor r = torch::sigmoid(edit_logits(n, e, e.mu, torch::sigmoid(e.y_logits), torch::sigmoid(e.y_logits)));
        for (size_t i = 0; i < rec.size(); ++i) CHECK(rec[i] == Approx(r.flatten()[int64_t(i)].item<float>()).margin(1e-5));
    }
    n.E->train(), n.G->train();
    // The step: L_rec_skip is part of E and G's loss, and reaches the maps' layers.
    StepWeights w;
    w.delta = 0;
    auto gen = at::detail::createCPUGenerator(3);
    StepLosses l = ifgan_forward(n, torch::rand({4, 3, 32, 32}), torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}}), w, StepRun(), gen);
    CHECK(l.rec_skip.item<double>() > 0);
    ifgan_backward(n, l);
    for (size_t level = 0; level < 2; ++level) {
        auto proj = n.G->skip_proj[level]->as<torch::nn::Conv2dImpl>()->weight;
        REQUIRE(proj.grad().defined());
        CHECK(proj.grad().abs().sum().item<double>() > 0);
    }
    CHECK(n.E->skip_in->weight.grad().abs().sum().item<double>() > 0);
    // The first encoder layer's gradient includes the skip term's.
    auto first = n.E->convs->layers->begin()->ptr()->parameters()[0];
    CHECK(first.grad().abs().sum().item<double>() > 0);
    std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST_CASE("edit sparsity: the L1 size of G's own edit, with its gradient to G alone") {
    torch::manual_seed(13);
    Networks n = make_networks(skip_config(2));
    const torch::Tensor x = torch::rand({4, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}});
    StepWeights w;
    w.delta = 0;
    // Off: no term.
    auto gen = at::detail::createCPUGenerator(5);
    CHECK(ifgan_forward(n, x, y, w, StepRun(), gen).sparse.item<double>() == 0.0);
    // On: Σ|σ(G(1 − y, z)) − σ(G(ŷ, z))| ÷ side² over the first half, z the step's own sample.
    w.edit_sparsity = 0.5;
    gen = at::detail::createCPUGenerator(5);
    StepLosses l = ifgan_forward(n, x, y, w, StepRun(), gen);
    torch::Tensor expected;
    {
        torch::NoGradGuard ng;
        test::StepCode c = test::step_code(n, x, 5);
        torch::Tensor rec = torch::sigmoid(n.G->forward(torch::sigmoid(c.e.y_logits), c.z)).narrow(0, 0, 2);
        torch::Tensor edit = torch::sigmoid(n.G->forward((1 - y).narrow(0, 0, 2), c.z.narrow(0, 0, 2)));
        expected = (edit - rec).abs().sum() / (32.0 * 32.0);
    }
    CHECK(l.sparse.item<double>() > 0);
    CHECK(l.sparse.item<double>() == Approx(expected.item<double>()).epsilon(1e-5));
    // It is part of E and G's loss with its weight.
    const double rest = (l.rec + l.rec_skip + w.alpha * l.kl + w.rho * l.cls + w.beta * l.cls_rec + w.gamma * l.adv)
                            .item<double>();
    CHECK(l.eg.item<double>() == Approx(rest + 0.5 * l.sparse.item<double>()).epsilon(1e-6));
    // Its gradient shapes the decoder and leaves the encoder alone.
    for (auto& p : n.E->parameters()) p.mutable_grad() = torch::Tensor();
    for (auto& p : n.G->parameters()) p.mutable_grad() = torch::Tensor();
    torch::autograd::backward({l.sparse}, {}, true, false, params_of({n.E.ptr(), n.G.ptr()}));
    CHECK(test::grad_sum(*n.G) > 0);
    for (auto& p : n.E->parameters()) CHECK((!p.grad().defined() || p.grad().abs().sum().item<double>() == 0.0));
}

TEST_CASE("redraw: where the gates are shut, the decoder draws from the encoder's maps of G's own image") {
    torch::manual_seed(19);
    ModelConfig c = skip_config(3);
    c.redraw = true;
    Networks n = make_networks(c);
    n.E->eval(), n.G->eval();
    // Three 1x1 convolutions more than the decoder with skips alone, two parameters each.
    CHECK(n.G->named_parameters().size() == make_networks(skip_config(3)).G->named_parameters().size() + 6);
    torch::Tensor x = torch::rand({2, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}});
    {
        torch::NoGradGuard ng;
        EncoderOut e = n.E->forward(x);
        // The maps alone are the encoder's.
        std::vector<torch::Tensor> maps = n.E->maps(x);
        REQUIRE(maps.size() == 3);
        for (size_t i = 0; i < 3; ++i) CHECK((maps[i] - e.skips[i]).abs().max().item<double>() == 0.0);
        std::vector<torch::Tensor> open = {torch::ones({2, 1, 32, 32}), torch::ones({2, 1, 16, 16}), torch::ones({2, 1, 8, 8})};
        std::vector<torch::Tensor> shut = {torch::zeros({2, 1, 32, 32}), torch::zeros({2, 1, 16, 16}), torch::zeros({2, 1, 8, 8})};
        std::vector<torch::Tensor> other = n.E->maps(torch::rand({2, 3, 32, 32})), third = n.E->maps(torch::rand({2, 3, 32, 32}));
        auto draw = [&](const std::vector<torch::Tensor>& m, const std::vector<torch::Tensor>& g,
                        const std::vector<torch::Tensor>& d) { return n.G->forward(y, e.mu, Skips{m, g, {}, d}); };
        // Open: the drawn maps do not count; shut: the image's own do not.
        CHECK((draw(e.skips, open, other) - draw(e.skips, open, third)).abs().max().item<double>() == 0.0);
        CHECK((draw(e.skips, shut, other) - draw(third, shut, other)).abs().max().item<double>() == 0.0);
        CHECK((draw(e.skips, shut, other) - draw(e.skips, shut, third)).abs().max().item<double>() > 1e-4);
        // An edit: the gates of G's change, and the maps of G's edited image where they shut.
        torch::Tensor from = n.G->forward(y, e.mu), to = n.G->forward(1 - y, e.mu);
        auto gates = skip_gates(torch::sigmoid(from), torch::sigmoid(to), 3);
        torch::Tensor expected = n.G->forward(1 - y, e.mu, Skips{e.skips, gates, {}, n.E->maps(torch::sigmoid(to))});
        CHECK((edit_logits(n, e, e.mu, y, 1 - y, EditStyle{1, 0.0}) - expected).abs().max().item<double>() == 0.0);
    }
    // The file says so, and is read back as such.
    LoadedModel back = saved_and_loaded(n);
    CHECK(back.meta["format"] == 4);
    CHECK(back.nets.config.redraw);
    // The step: the reconstruction through the maps trains the drawn maps'
    // projections. y made to change G's image, so that some gates shut.
    {
        torch::NoGradGuard ng;
        n.G->fc->weight.narrow(1, 0, 1).fill_(20.0);
    }
    n.E->train(), n.G->train();
    StepWeights w;
    w.delta = 0;
    auto gen = at::detail::createCPUGenerator(4);
    StepLosses l = ifgan_forward(n, torch::rand({4, 3, 32, 32}), torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}}), w,
                                 StepRun(), gen);
    CHECK(l.rec_skip.item<double>() > 0);
    ifgan_backward(n, l);
    for (size_t level = 0; level < 3; ++level) {
        CAPTURE(level);
        auto proj = n.G->redraw_proj[level]->as<torch::nn::Conv2dImpl>()->weight;
        REQUIRE(proj.grad().defined());
        CHECK(proj.grad().abs().sum().item<double>() > 0);
    }
}

TEST_CASE("redraw: L_feat also compares the redrawn region, x around it, in D's third layer") {
    torch::manual_seed(23);
    ModelConfig c = skip_config(3);
    c.redraw = true;
    Networks n = make_networks(c);
    {
        torch::NoGradGuard ng;
        n.G->fc->weight.narrow(1, 0, 1).fill_(20.0);  // y changes G's image: some gates shut
    }
    // Batch statistics would tie each image to the others: by hand, one image at a time needs running ones.
    n.E->eval(), n.G->eval();
    const torch::Tensor x = torch::rand({4, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}});
    StepWeights w;
    w.delta = 0;
    w.feature_rec = 0.5;
    auto gen = at::detail::createCPUGenerator(6);
    StepLosses l = ifgan_forward(n, x, y, w, StepRun(), gen);
    torch::NoGradGuard ng;
    auto d3 = [&n](torch::Tensor t) { return test::critic_features3(n.D, t); };
    test::StepCode code = test::step_code(n, x, 6);
    const torch::Tensor dec_y = torch::sigmoid(code.e.y_logits);
    const torch::Tensor rec = n.G->forward(dec_y, code.z), flipped = n.G->forward(1 - y, code.z);
    // The half reconstructed through the gates of flipping every attribute,
    // from the encoder's maps of G's own reconstruction where they are shut.
    auto gates = skip_gates(torch::sigmoid(rec), torch::sigmoid(flipped), 3);
    std::vector<torch::Tensor> maps, half_gates;
    for (size_t i = 0; i < 3; ++i) maps.push_back(code.e.skips[i].narrow(0, 0, 2)), half_gates.push_back(gates[i].narrow(0, 0, 2));
    REQUIRE(half_gates[0].min().item<double>() < 1);
    std::vector<torch::Tensor> drawn = n.E->maps(torch::sigmoid(rec.narrow(0, 0, 2)));
    torch::Tensor redrawn = torch::sigmoid(
        n.G->forward(dec_y.narrow(0, 0, 2), code.z.narrow(0, 0, 2), Skips{maps, half_gates, {}, drawn}));
    const torch::Tensor g = half_gates[0], xh = x.narrow(0, 0, 2);
    const double expected = ((d3(torch::sigmoid(rec)) - d3(x)).pow(2).sum() / 16.0 +
                             (d3(g * xh + (1 - g) * redrawn) - d3(xh)).pow(2).sum() / 16.0)
                                .item<double>();
    CHECK(l.feat.item<double>() == Approx(expected).epsilon(1e-4));
    // The region's share is there: more than the term of G(ŷ, z) alone.
    CHECK(l.feat.item<double>() > ((d3(torch::sigmoid(rec)) - d3(x)).pow(2).sum() / 16.0).item<double>() + 1e-6);
}

TEST_CASE("the image in level 0: the photo's own logits, passed as they are where the gates are open") {
    torch::manual_seed(23);
    ModelConfig c = skip_config(3);
    c.skip_image = true;
    Networks n = make_networks(c);
    n.E->eval(), n.G->eval();
    // Pixels at 0 and 1 among them: their logits are clamped, finite.
    torch::Tensor x = torch::rand({2, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}});
    x[0][0][0][0] = 0.0f, x[0][1][0][0] = 1.0f;
    torch::NoGradGuard ng;
    EncoderOut e = n.E->forward(x);
    // f = 4 features and the image's 3 channels.
    REQUIRE(e.skips[0].sizes() == torch::IntArrayRef({2, 7, 32, 32}));
    torch::Tensor logits = e.skips[0].narrow(1, 4, 3);
    CHECK((logits - torch::logit(x.clamp(kImageLogitClamp, 1 - kImageLogitClamp))).abs().max().item<double>() < 1e-5);
    CHECK(logits[0][0][0][0].item<double>() == Approx(-std::log(511.0)).epsilon(1e-5));
    // The projection starts as the identity on them, and anything on the features.
    torch::Tensor w = n.G->skip_proj[0]->as<torch::nn::Conv2dImpl>()->weight;
    CHECK(torch::equal(w.narrow(1, 4, 3).flatten(1), torch::eye(3)));
    CHECK(w.narrow(1, 0, 4).abs().sum().item<double>() > 0);
    // An edit: its gates are not widened (training's are); a model without
    // the image in level 0 edits through widened ones.
    n.G->fc->weight.narrow(1, 0, 1).fill_(20.0);  // y changes G's image: some gates shut
    torch::Tensor from = n.G->forward(y, e.mu), to = n.G->forward(1 - y, e.mu);
    CHECK(edit_gate_margin(c) == 0);
    CHECK(edit_gate_margin(skip_config(3)) == kGateMargin);
    auto edit_through = [&](int64_t margin) {
        auto gates = skip_gates(torch::sigmoid(from), torch::sigmoid(to), 3, margin);
        return n.G->forward(1 - y, e.mu, Skips{e.skips, gates, to, {}});
    };
    torch::Tensor edit = edit_logits(n, e, e.mu, y, 1 - y, EditStyle{1, 0.0});
    CHECK((edit - edit_through(0)).abs().max().item<double>() < 1e-5);  // G ran on both at once there
    CHECK((edit - edit_through(kGateMargin)).abs().max().item<double>() > 1e-3);
    // With what the decoder adds silenced, the open gates give back the
    // image; where level 0 is shut the image does not pass: the output there
    // is G(y, z)'s, whatever the photo.
    auto& last = *n.G->deconvs->ptr(size_t(3 * n.G->stages))->as<UpConvImpl>();
    last.weight.zero_(), last.bias.zero_();
    const std::vector<torch::Tensor> half = check_image_passes(n, x, y, e);
    torch::Tensor plain = n.G->forward(y, e.mu);
    EncoderOut other = n.E->forward(torch::rand({2, 3, 32, 32}));
    torch::Tensor a = n.G->forward(y, e.mu, Skips{e.skips, half, plain, {}});
    torch::Tensor b = n.G->forward(y, e.mu, Skips{other.skips, half, plain, {}});
    CHECK((a - b).narrow(3, 0, 16).abs().max().item<double>() == 0.0);
    CHECK((a - b).narrow(3, 16, 16).abs().max().item<double>() > 0.1);
    // The file says so (format 5), and is read back as such; a file that
    // claims the image without skips is refused.
    LoadedModel loaded = saved_and_loaded(n);
    CHECK(loaded.meta["format"] == 5);
    CHECK(loaded.nets.config.skip_image);
    CHECK(torch::equal(loaded.nets.G->skip_proj[0]->as<torch::nn::Conv2dImpl>()->weight, w));
    // Weights whose metadata lost the image (a file written by another
    // build) are refused when read, not at the first forward pass.
    n.config.skip_image = false;
    const std::string f = std::to_string(c.f), f3 = std::to_string(c.f + 3);
    CHECK_THROWS_WITH(saved_and_loaded(n), Catch::Contains("m.ifgan: damaged model file: skip_proj.0.weight is [3x" + f3 +
                                                           "x1x1] where the metadata makes it [3x" + f + "x1x1]"));
    n.config.skip_image = true;
    nlohmann::json meta = config_to_json(c);
    CHECK(config_from_json(meta, "m.ifgan").skip_image);
    meta.erase("skips");
    CHECK_THROWS_WITH(config_from_json(meta, "m.ifgan"), Catch::Contains("m.ifgan: damaged model metadata: skip_image without skips"));
}

TEST_CASE("the pixels drawn at the image's side: an up-convolution, a ReLU and a 3 x 3 convolution") {
    torch::manual_seed(31);
    ModelConfig c = skip_config(3);
    c.skip_image = true;
    c.pixel_conv = true;
    Networks n = make_networks(c);
    n.E->eval(), n.G->eval();
    torch::NoGradGuard ng;
    // The last stage: the f = 4 maps at half the side up to 2 maps at the
    // image's side, a ReLU, and a 3 x 3 convolution to the three channels.
    const size_t last = size_t(3 * n.G->stages);
    REQUIRE(n.G->deconvs->size() == last + 3);
    auto& up = *n.G->deconvs->ptr(last)->as<UpConvImpl>();
    auto& conv = *n.G->deconvs->ptr(last + 2)->as<torch::nn::Conv2dImpl>();
    CHECK(up.weight.sizes() == torch::IntArrayRef({4, 2, 3, 3}));
    CHECK(conv.weight.sizes() == torch::IntArrayRef({3, 2, 3, 3}));
    // G(y, z) by hand from the maps before the stage.
    torch::Tensor x = torch::rand({2, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}});
    EncoderOut e = n.E->forward(x);
    torch::Tensor h = torch::relu(n.G->fc->forward(torch::cat({y, e.mu}, 1))).view({2, n.G->c0, 4, 4});
    for (size_t i = 0; i < last; ++i) h = n.G->deconvs->begin()[i].forward(h);
    REQUIRE(h.sizes() == torch::IntArrayRef({2, 4, 16, 16}));
    torch::Tensor by_hand = torch::conv2d(torch::relu(up.forward(h)), conv.weight, conv.bias, 1, 1);
    torch::Tensor plain = n.G->forward(y, e.mu);
    CHECK(plain.sizes() == torch::IntArrayRef({2, 3, 32, 32}));
    CHECK((plain - by_hand).abs().max().item<double>() < 1e-5);
    // With skips the stage comes before level 0: with what the decoder adds
    // silenced, the open gates give back the image, each pixel within half
    // a level of 8 bits; where level 0 is shut the output is G(y, z)'s.
    conv.weight.zero_(), conv.bias.zero_();
    check_image_passes(n, x, y, e);
    // The file says so (format 6) and is read back as such; weights whose
    // metadata lost it are refused when read.
    LoadedModel loaded = saved_and_loaded(n);
    CHECK(loaded.meta["format"] == 6);
    CHECK(loaded.nets.config.pixel_conv);
    CHECK(torch::equal(loaded.nets.G->deconvs->ptr(last)->as<UpConvImpl>()->weight, up.weight));
    n.config.pixel_conv = false;
    CHECK_THROWS_WITH(saved_and_loaded(n), Catch::Contains("m.ifgan: damaged model file:"));
    nlohmann::json meta = config_to_json(c);
    CHECK(config_from_json(meta, "m.ifgan").pixel_conv);
    meta["f"] = 1;
    CHECK_THROWS_WITH(config_from_json(meta, "m.ifgan"), Catch::Contains("m.ifgan: damaged model metadata: pixel_conv with 1 filter"));
    // Without it the last stage is one up-convolution to the pixels.
    Networks paper = make_networks(skip_config(3));
    REQUIRE(paper.G->deconvs->size() == last + 1);
    CHECK(paper.G->deconvs->ptr(last)->as<UpConvImpl>()->weight.sizes() == torch::IntArrayRef({4, 3, 3, 3}));
}

TEST_CASE("a decoder with filters of its own: its stages that wide, the encoder's maps projected into them") {
    torch::manual_seed(37);
    ModelConfig c = skip_config(3);
    c.skip_image = true;
    c.pixel_conv = true;
    c.decoder_f = 8;  // the encoder's f is 4
    Networks n = make_networks(c);
    n.E->eval(), n.G->eval();
    torch::NoGradGuard ng;
    const int stages = n.G->stages;
    CHECK(n.G->c0 == int64_t(8) << stages);
    CHECK(n.G->fc->weight.size(0) == n.G->c0 * 16);
    CHECK(n.G->deconvs->ptr(0)->as<UpConvImpl>()->weight.sizes() == torch::IntArrayRef({n.G->c0, n.G->c0 / 2, 3, 3}));
    // The last stage: 8 maps at half the side up to 4 at the image's side.
    CHECK(n.G->deconvs->ptr(size_t(3 * stages))->as<UpConvImpl>()->weight.sizes() == torch::IntArrayRef({8, 4, 3, 3}));
    // Level 1's map (the encoder's 4 channels) into its stage's 8; level 0
    // still into the logits, the image passed as it is.
    CHECK(n.G->skip_proj[1]->as<torch::nn::Conv2dImpl>()->weight.sizes() == torch::IntArrayRef({8, 4, 1, 1}));
    CHECK(n.G->skip_bn[0]->as<torch::nn::BatchNorm2dImpl>()->weight.size(0) == 8);
    CHECK(n.G->skip_proj[0]->as<torch::nn::Conv2dImpl>()->weight.sizes() == torch::IntArrayRef({3, 4 + 3, 1, 1}));
    CHECK(n.E->convs->layers->begin()->ptr()->parameters()[0].size(0) == 4);  // the encoder keeps --filters
    torch::Tensor x = torch::rand({2, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}});
    EncoderOut e = n.E->forward(x);
    CHECK(n.G->forward(y, e.mu).sizes() == torch::IntArrayRef({2, 3, 32, 32}));
    auto& conv = *n.G->deconvs->ptr(size_t(3 * stages) + 2)->as<torch::nn::Conv2dImpl>();
    conv.weight.zero_(), conv.bias.zero_();
    check_image_passes(n, x, y, e);
    // The file says so (format 7) and is read back as such; weights whose
    // metadata lost it are refused, and so is a width no decoder has.
    LoadedModel loaded = saved_and_loaded(n);
    CHECK(loaded.meta["format"] == 7);
    CHECK(loaded.nets.config.decoder_f == 8);
    CHECK(torch::equal(loaded.nets.G->fc->weight, n.G->fc->weight));
    n.config.decoder_f = 0;
    CHECK_THROWS_WITH(saved_and_loaded(n), Catch::Contains("m.ifgan: damaged model file:"));
    nlohmann::json meta = config_to_json(c);
    CHECK(config_from_json(meta, "m.ifgan").decoder_filters() == 8);
    meta["decoder_f"] = -2;
    CHECK_THROWS_WITH(config_from_json(meta, "m.ifgan"), Catch::Contains("m.ifgan: damaged model metadata: -2 decoder filters"));
    // Without it, the decoder is as wide as the encoder, and the file format 6.
    CHECK(!config_to_json(skip_config(3)).contains("decoder_f"));
    CHECK(skip_config(3).decoder_filters() == 4);
}

TEST_CASE("an edit's passes: the withheld region drawn again from the code of the last edit, the head's nearest kept") {
    Networks n = editing_networks(29);
    const ModelConfig& c = n.config;
    torch::NoGradGuard ng;
    const int64_t B = 6;
    torch::Tensor x = torch::rand({B, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}, {1.0f}, {0.0f}});
    EncoderOut e = n.E->forward(x);
    // By hand: the first pass's gates and image, then each pass's code from
    // the last image, and per image the pass whose ŷ is nearest 1 - y.
    auto gates = skip_gates(torch::sigmoid(n.G->forward(y, e.mu)), torch::sigmoid(n.G->forward(1 - y, e.mu)), 3,
                            edit_gate_margin(c));
    const torch::Tensor open0 = gates[0];
    std::vector<torch::Tensor> drawn = {edit_logits(n, e, e.mu, y, 1 - y, EditStyle{1, 0.0})};
    std::vector<torch::Tensor> miss;
    for (int pass = 0; pass < 3; ++pass) {
        EncoderOut seen = n.E->forward(torch::sigmoid(drawn.back()));
        miss.push_back(torch::binary_cross_entropy_with_logits(seen.y_logits, 1 - y, {}, {}, at::Reduction::None).sum(1));
        if (pass < 2) drawn.push_back(n.G->forward(1 - y, e.mu, Skips{e.skips, gates, n.G->forward(1 - y, seen.mu), {}}));
    }
    REQUIRE(open0.lt(1).any().item<bool>());  // some of the region is withheld
    for (size_t i = 1; i < drawn.size(); ++i) {
        // Only the withheld region changes, and it does.
        CHECK((drawn[i] - drawn[0]).mul(open0.eq(1)).abs().max().item<double>() < 1e-6);
        CHECK((drawn[i] - drawn[0]).abs().max().item<double>() > 1e-3);
    }
    torch::Tensor best = torch::stack(miss).argmin(0);
    // This seed has images of both kinds: the first pass kept, a later one kept.
    REQUIRE(best.eq(0).any().item<bool>());
    REQUIRE(best.ne(0).any().item<bool>());
    torch::Tensor three = edit_logits(n, e, e.mu, y, 1 - y, EditStyle{3, 0.0});
    for (int64_t i = 0; i < B; ++i) {
        CAPTURE(i);
        const int64_t p = best[i].item<int64_t>();
        CHECK((three[i] - drawn[size_t(p)][i]).abs().max().item<double>() < 1e-5);
    }
    // The reconstruction has no passes.
    CHECK((edit_logits(n, e, e.mu, y, y, EditStyle{3, 0.1}) - edit_logits(n, e, e.mu, y, y, EditStyle{1, 0.0})).abs().max().item<double>() ==
          0.0);
    // Through Model: set_edit_style chooses, and refuses 0 passes and a
    // floor outside 0 to 0.5.
    char dir[] = "/tmp/ifgan-passes-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/m.ifgan";
    save_model(path, n, {{"step", 0}});
    Model m = Model::load(path, kPartAll);
    CHECK(m.edit_style().passes == kEditPasses);
    CHECK(m.edit_style().floor == kEditFloor);
    CHECK_THROWS_AS(m.set_edit_style(EditStyle{0, 0.0}), UsageError);
    CHECK_THROWS_AS(m.set_edit_style(EditStyle{1, -0.01}), UsageError);
    CHECK_THROWS_AS(m.set_edit_style(EditStyle{1, 0.6}), UsageError);
    m.set_edit_style(EditStyle{3, 0.0});
    CHECK(m.edit_style().passes == 3);
    std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST_CASE("an edit's floor: the reconstruction kept where neither the edit nor G's change reach the floor") {
    Networks n = editing_networks(31);
    torch::NoGradGuard ng;
    torch::Tensor x = torch::rand({4, 3, 32, 32}), y = torch::tensor({{1.0f}, {0.0f}, {1.0f}, {0.0f}});
    EncoderOut e = n.E->forward(x);
    const torch::Tensor raw = edit_logits(n, e, e.mu, y, 1 - y, EditStyle{1, 0.0});
    const torch::Tensor rec = torch::sigmoid(edit_logits(n, e, e.mu, y, y));
    // The larger of the edit's difference from the reconstruction and the
    // decoder's own change without maps, per pixel.
    const torch::Tensor intended =
        (torch::sigmoid(n.G->forward(1 - y, e.mu)) - torch::sigmoid(n.G->forward(y, e.mu))).abs().amax(1, true);
    const torch::Tensor d = torch::maximum((torch::sigmoid(raw) - rec).abs().amax(1, true), intended).expand_as(raw);
    // A floor that puts pixels on all three sides of it for this seed.
    const double floor = torch::quantile(d.flatten(), 0.5).item<double>() / 1.5;
    const torch::Tensor under = d < floor, over = d >= 2 * floor, ramp = under.logical_or(over).logical_not();
    REQUIRE(under.any().item<bool>());
    REQUIRE(over.any().item<bool>());
    REQUIRE(ramp.any().item<bool>());
    // ... and pixels that G's change alone keeps from the reconstruction.
    REQUIRE(((torch::sigmoid(raw) - rec).abs().amax(1, true) < floor).logical_and(intended >= 2 * floor).any().item<bool>());
    const torch::Tensor floored = edit_logits(n, e, e.mu, y, 1 - y, EditStyle{1, floor});
    const torch::Tensor p = torch::sigmoid(floored), raw_p = torch::sigmoid(raw);
    // Under the floor the reconstruction, from twice it the edit as drawn,
    // between them the edit's share growing from 0 to 1 with the change.
    CHECK((p - rec).abs().masked_select(under).max().item<double>() < 1e-5);
    CHECK((floored - raw).abs().masked_select(over).max().item<double>() == 0.0);
    const torch::Tensor share = (d - floor) / floor;
    CHECK((p - (rec + share * (raw_p - rec))).abs().masked_select(ramp).max().item<double>() < 1e-5);
    // A floor of 0 is the edit as drawn.
    CHECK((edit_logits(n, e, e.mu, y, 1 - y, EditStyle{1, 0.0}) - raw).abs().max().item<double>() == 0.0);
}
