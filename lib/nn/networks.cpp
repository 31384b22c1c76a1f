#include "nn/networks.hpp"

#include <ATen/autocast_mode.h>
#include <cmath>

#include "core/util.hpp"

namespace ifgan {

int stack_depth(int size) {
    int d = 0, s = size;
    while (s > 4 && s % 2 == 0) {
        s /= 2;
        ++d;
    }
    if (s != 4 || d < 2 || size > kMaxImageSize)
        throw UsageError("--size must be 4 times a power of two, from 16 to " + std::to_string(kMaxImageSize) +
                         " (32, 64, 128)");
    return d;
}

ConvStackImpl::ConvStackImpl(int size, int f) {
    int depth = stack_depth(size);
    layers = register_module("layers", torch::nn::Sequential());
    int64_t in = 3, out = f;
    for (int i = 0; i < depth; ++i) {
        layers->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kStackKernel).stride(kStackStride).padding(kStackPadding)));
        layers->push_back(torch::nn::ReLU());
        in = out;
        out *= 2;
    }
    out_features = in * 4 * 4;
}

torch::Tensor ConvStackImpl::forward(torch::Tensor x) { return layers->forward(x).flatten(1); }

torch::Tensor ConvStackImpl::run(torch::Tensor x, int n, int keep, std::vector<torch::Tensor>& maps) {
    maps.clear();
    // Conv2d and ReLU alternate: the map of layer i is after child 2i + 1.
    for (size_t i = 0; i < 2 * size_t(n) && i < layers->size(); ++i) {
        x = layers->begin()[i].forward(x);
        if (i % 2 == 1 && int(maps.size()) < keep) maps.push_back(x);
    }
    return x;
}

torch::Tensor ConvStackImpl::forward(torch::Tensor x, int keep, std::vector<torch::Tensor>& maps) {
    return run(x, int(layers->size() / 2), keep, maps).flatten(1);
}

torch::Tensor ConvStackImpl::features(torch::Tensor x, int n) {
    std::vector<torch::Tensor> none;
    return run(x, n, 0, none);
}

EncoderImpl::EncoderImpl(const ModelConfig& c) : detached(c.detached_head), skip_image(c.skip_image), skips(c.skips) {
    convs = register_module("convs", ConvStack(c.size, c.f));
    // Level 0 of the skips, at the image's own resolution: the stack's first
    // map is already at half of it.
    if (skips) skip_in = register_module("skip_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, c.f, 3).padding(1)));
    int64_t n = convs->out_features;
    mu_head = register_module("mu", torch::nn::Linear(n, c.nz));
    logvar_head = register_module("logvar", torch::nn::Linear(n, c.nz));
    y_head = register_module("y", torch::nn::Linear(n, int64_t(c.k())));
}

EncoderOut EncoderImpl::forward(torch::Tensor x) {
    EncoderOut o;
    torch::Tensor h = skips ? convs->forward(x, skips - 1, o.skips) : convs->forward(x);
    if (skips) o.skips.insert(o.skips.begin(), level0(x));
    o.mu = mu_head->forward(h);
    o.logvar = logvar_head->forward(h);
    o.y_logits = head(h);
    return o;
}

torch::Tensor EncoderImpl::level0(torch::Tensor x) {
    torch::Tensor h = torch::relu(skip_in->forward(x));
    if (!skip_image) return h;
    torch::Tensor logits = torch::logit(x.to(torch::kFloat32).clamp(kImageLogitClamp, 1 - kImageLogitClamp));
    return torch::cat({h, logits.to(h.scalar_type())}, 1);
}

std::vector<torch::Tensor> EncoderImpl::maps(torch::Tensor x) {
    std::vector<torch::Tensor> m;
    convs->run(x, skips - 1, skips - 1, m);  // the stack's first layers alone: no code is needed
    m.insert(m.begin(), level0(x));
    return m;
}

UpConvImpl::UpConvImpl(int64_t cin, int64_t cout) {
    // Initialised by the reference layer itself, so the draws and the
    // defaults are those of ConvTranspose2d.
    torch::nn::ConvTranspose2d ref(torch::nn::ConvTranspose2dOptions(cin, cout, 3).stride(2).padding(1).output_padding(1));
    weight = register_parameter("weight", ref->weight.detach().clone());
    bias = register_parameter("bias", ref->bias.detach().clone());
}

namespace {

// The Conv2d that UpConv transposes: weight [cin, cout, 3, 3] read as
// [out, in, kh, kw], stride 2, padding 1. Its input gradient for an upstream
// gradient `x` [N, cin, H, W] is the [N, cout, 2H, 2W] transposed convolution.
torch::Tensor conv_input_gradient(const torch::Tensor& x, const torch::Tensor& weight) {
    // Only the sizes, type and layout of the convolution's input are read.
    torch::Tensor shape = torch::empty({x.size(0), weight.size(1), 2 * x.size(2), 2 * x.size(3)},
                                       x.options().memory_format(x.suggest_memory_format()));
    return std::get<0>(at::convolution_backward(x, shape, weight, c10::nullopt, {2, 2}, {1, 1}, {1, 1}, false,
                                                {0, 0}, 1, {true, false, false}));
}

struct TransposedConv : torch::autograd::Function<TransposedConv> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 const torch::Tensor& weight, const torch::Tensor& bias) {
        ctx->save_for_backward({x, weight});
        return conv_input_gradient(x, weight).add_(bias.view({1, -1, 1, 1}));
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        auto saved = ctx->get_saved_variables();
        const torch::Tensor &x = saved[0], &weight = saved[1];
        torch::Tensor g = grads[0].contiguous(x.suggest_memory_format()), gx, gw, gb;
        if (ctx->needs_input_grad(0)) gx = torch::conv2d(g, weight, {}, 2, 1);
        if (ctx->needs_input_grad(1))
            gw = std::get<1>(at::convolution_backward(x, g, weight, c10::nullopt, {2, 2}, {1, 1}, {1, 1}, false,
                                                      {0, 0}, 1, {false, true, false}));
        if (ctx->needs_input_grad(2)) gb = g.sum({0, 2, 3});
        return {gx, gw, gb};
    }
};

}  // namespace

torch::Tensor UpConvImpl::forward(const torch::Tensor& x) {
    // Autocast does not reach inside a custom function: cast here, as it
    // would for a convolution.
    if (at::autocast::is_cpu_enabled()) {
        const auto dt = at::autocast::get_autocast_cpu_dtype();
        return TransposedConv::apply(x.to(dt), weight.to(dt), bias.to(dt));
    }
    return TransposedConv::apply(x, weight, bias);
}

DecoderImpl::DecoderImpl(const ModelConfig& c) : skips(c.skips) {
    int depth = stack_depth(c.size);
    stages = depth - 1;
    if (skips < 0 || skips > depth) throw UsageError("--skips must be 0 to " + std::to_string(depth) + " at " + std::to_string(c.size) + " px");
    const int64_t g = c.decoder_filters();
    c0 = g << (depth - 1);
    fc = register_module("fc", torch::nn::Linear(int64_t(c.k()) + c.nz, c0 * 16));
    deconvs = register_module("deconvs", torch::nn::Sequential());
    int64_t in = c0;
    for (int i = 0; i < depth - 1; ++i) {
        deconvs->push_back(UpConv(in, in / 2));
        deconvs->push_back(torch::nn::BatchNorm2d(in / 2));
        deconvs->push_back(torch::nn::ReLU());
        in /= 2;
    }
    if (c.pixel_conv) {
        // The pixels drawn at the image's side: a transposed 3 x 3 convolution
        // at stride 2 reaches every other pixel with one tap and the rest with
        // two, a period-2 pattern in whatever it draws, and each pixel is a
        // linear function of the maps at half the side. A ReLU and a 3 x 3
        // convolution after it draw an edge at any pixel.
        deconvs->push_back(UpConv(in, in / 2));
        deconvs->push_back(torch::nn::ReLU());
        deconvs->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in / 2, 3, 3).padding(1)));
    } else {
        deconvs->push_back(UpConv(in, 3));
    }
    if (!skips) return;
    // The map of level i >= 1 (f << (i - 1) channels) meets the decoder's
    // stage of its resolution (g << (i - 1) channels, as many unless the
    // decoder has filters of its own); level 0 (f channels, and the image's
    // 3 with skip_image) is added to the image logits. A BatchNorm per level
    // from 1.
    skip_proj = register_module("skip_proj", torch::nn::ModuleList());
    skip_bn = register_module("skip_bn", torch::nn::ModuleList());
    const int64_t level0_channels = c.f + (c.skip_image ? 3 : 0);
    skip_proj->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(level0_channels, 3, 1)));
    if (c.skip_image) {
        // The image's logits start passed as they are: the decoder begins
        // from the photo where the gates are open and learns what to add.
        torch::NoGradGuard ng;
        skip_proj[0]->as<torch::nn::Conv2dImpl>()->weight.narrow(1, c.f, 3).copy_(torch::eye(3).view({3, 3, 1, 1}));
    }
    for (int i = 1; i < skips; ++i) {
        const int64_t ch = int64_t(c.f) << (i - 1), stage = g << (i - 1);
        skip_proj->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, stage, 1)));
        skip_bn->push_back(torch::nn::BatchNorm2d(stage));
    }
    if (!c.redraw) return;
    redraw_proj = register_module("redraw_proj", torch::nn::ModuleList());
    for (int i = 0; i < skips; ++i) {
        const int64_t ch = i == 0 ? level0_channels : int64_t(c.f) << (i - 1);
        redraw_proj->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, i == 0 ? 3 : g << (i - 1), 1)));
    }
}

torch::Tensor DecoderImpl::forward(torch::Tensor y, torch::Tensor z) {
    torch::Tensor h = torch::relu(fc->forward(torch::cat({y, z}, 1)));
    return deconvs->forward(h.view({h.size(0), c0, 4, 4}));
}

torch::Tensor DecoderImpl::forward(torch::Tensor y, torch::Tensor z, const Skips& s) {
    torch::Tensor h = torch::relu(fc->forward(torch::cat({y, z}, 1)));
    h = h.view({h.size(0), c0, 4, 4});
    const bool redraw = !s.drawn.empty();
    auto passed = [&](int level, const torch::Tensor& like) {
        torch::Tensor m = skip_proj[size_t(level)]->as<torch::nn::Conv2dImpl>()->forward(s.maps[size_t(level)]);
        if (s.repeat > 0) m = torch::cat({m, m.narrow(0, 0, s.repeat)});
        torch::Tensor g = s.gates[size_t(level)].to(like.scalar_type());
        if (!redraw) return g * m;
        torch::Tensor d = redraw_proj[size_t(level)]->as<torch::nn::Conv2dImpl>()->forward(s.drawn[size_t(level)]);
        return g * m + (1 - g) * d;
    };
    for (int j = 0; j < stages; ++j) {
        h = deconvs->begin()[3 * j].forward(h);
        const int level = stages - j;  // this stage's resolution is the image's / 2^level
        if (level >= skips) {
            h = torch::relu(deconvs->begin()[3 * j + 1].forward(h));
            continue;
        }
        h = torch::relu(skip_bn[size_t(level - 1)]->as<torch::nn::BatchNorm2dImpl>()->forward(h));
        h = h + passed(level, h);
    }
    for (size_t i = size_t(3 * stages); i < deconvs->size(); ++i) h = deconvs->begin()[i].forward(h);  // the pixels
    h = h + passed(0, h);
    if (redraw || !s.plain.defined()) return h;
    torch::Tensor g = s.gates[0].to(h.scalar_type());
    return g * h + (1 - g) * s.plain.to(h.scalar_type());
}

int64_t skip_receptive_field(int level) {
    if (level == 0) return 3;  // skip_in, 3x3
    int64_t rf = 1;
    for (int i = 0; i < level; ++i) rf += (kStackKernel - 1) << i;
    return rf;
}

std::vector<torch::Tensor> skip_gates(const torch::Tensor& from, const torch::Tensor& to, int skips, int64_t margin) {
    torch::NoGradGuard ng;
    const int64_t k = kGateSmooth;
    torch::Tensor change = torch::avg_pool2d(to.to(torch::kFloat32) - from.to(torch::kFloat32), {k, k}, {1, 1},
                                             {k / 2, k / 2}, false, /*count_include_pad=*/false);
    torch::Tensor d = change.abs().amax(1, true);
    torch::Tensor withheld = ((d - kGateLow) / (kGateHigh - kGateLow)).clamp(0, 1);
    // Widened: the decoder's soft edges of a change are still the change.
    if (margin > 0) withheld = torch::max_pool2d(withheld, {2 * margin + 1, 2 * margin + 1}, {1, 1}, {margin, margin});
    std::vector<torch::Tensor> gates;
    for (int level = 0; level < skips; ++level) {
        const int64_t factor = int64_t(1) << level, rf = skip_receptive_field(level);
        const int64_t radius = (rf / 2 + factor - 1) / factor;
        torch::Tensor m = factor > 1 ? torch::max_pool2d(withheld, {factor, factor}, {factor, factor}) : withheld;
        m = torch::max_pool2d(m, {2 * radius + 1, 2 * radius + 1}, {1, 1}, {radius, radius});
        gates.push_back(1 - m);
    }
    return gates;
}

int64_t edit_gate_margin(const ModelConfig& c) { return c.skip_image ? kEditGateMarginImage : kGateMargin; }

namespace {

// How far the ŷ head finds each image from the attributes y: BCE summed over
// the attributes, one number per image.
torch::Tensor head_miss(const torch::Tensor& y_logits, const torch::Tensor& y) {
    return torch::binary_cross_entropy_with_logits(y_logits, y, {}, {}, at::Reduction::None).sum(1);
}

// Gates that pass every map everywhere: the reconstruction's.
std::vector<torch::Tensor> open_gates(const EncoderOut& e) {
    std::vector<torch::Tensor> open;
    for (const auto& m : e.skips) open.push_back(torch::ones({m.size(0), 1, m.size(2), m.size(3)}));
    return open;
}

// The edit's logits where it differs from the reconstruction `rec` ([0, 1])
// by 2·floor or more in some channel, or where the decoder's own change
// `intended` ([0, 1] per pixel, its largest over the channels) is as large;
// rec's where both are under floor; a ramp between (mixed in [0, 1]).
torch::Tensor above_floor(const torch::Tensor& edit, const torch::Tensor& rec, const torch::Tensor& intended,
                          double floor) {
    torch::Tensor change = torch::sigmoid(edit.to(torch::kFloat32)) - rec;
    torch::Tensor size = torch::maximum(change.abs().amax(1, true), intended);
    torch::Tensor kept = ((size - floor) / floor).clamp(0, 1);
    torch::Tensor mixed = torch::logit(rec + kept * change, 1e-6);
    return torch::where(kept == 1, edit.to(torch::kFloat32), mixed);
}

}  // namespace

torch::Tensor edit_logits(Networks& n, const EncoderOut& e, const torch::Tensor& code,
                          const torch::Tensor& y_from, const torch::Tensor& y_to, const EditStyle& style,
                          const torch::Tensor& rec_logits) {
    if (!n.config.skips) return n.G->forward(y_to, code);
    if (torch::equal(y_from, y_to)) return n.G->forward(y_to, code, Skips{e.skips, open_gates(e), {}, {}});
    const int64_t B = code.size(0);
    torch::Tensor both = n.G->forward(torch::cat({y_from, y_to}), torch::cat({code, code}));
    torch::Tensor plain = both.narrow(0, B, B);
    const torch::Tensor from_image = torch::sigmoid(both.narrow(0, 0, B)), to_image = torch::sigmoid(plain);
    const std::vector<torch::Tensor> gates =
        skip_gates(from_image, to_image, n.config.skips, edit_gate_margin(n.config));
    // The edit with the region the gates withhold drawn as `drawn` =
    // G(y_to, some code): as it is, or redrawn from the encoder's maps of it.
    // Without redraw the rest of the image, `around`, is the same in every pass.
    const torch::Tensor around =
        n.config.redraw ? torch::Tensor() : n.G->forward(y_to, code, Skips{e.skips, gates, {}, {}});
    // The photo, as the reconstruction draws it, kept where neither the edit
    // nor G's own image changes by the floor (docs/model.md, "The photo kept
    // under the decoder's noise"); G's change keeps a removal's ghost, which
    // is close to the photo, from being taken for skin.
    torch::Tensor rec, intended;
    if (style.floor > 0) {
        rec = torch::sigmoid((rec_logits.defined() ? rec_logits : edit_logits(n, e, code, y_from, y_from))
                                 .to(torch::kFloat32));
        intended = (to_image - from_image).to(torch::kFloat32).abs().amax(1, true);
    }
    auto edit_with = [&](const torch::Tensor& drawn) {
        torch::Tensor edit = n.config.redraw
                                 ? n.G->forward(y_to, code, Skips{e.skips, gates, {}, n.E->maps(torch::sigmoid(drawn))})
                                 : gates[0] * around + (1 - gates[0]) * drawn;
        return rec.defined() ? above_floor(edit, rec, intended, style.floor) : edit;
    };
    torch::Tensor edit = edit_with(plain);
    if (style.passes <= 1) return edit;
    // The region drawn again from the code of the last edit, which holds
    // less of the old attribute than the photo's (docs/model.md, "Drawing
    // the withheld region again"); the edit the head finds nearest y_to kept.
    EncoderOut seen = n.E->forward(torch::sigmoid(edit));
    torch::Tensor kept = edit, kept_miss = head_miss(seen.y_logits, y_to);
    for (int pass = 1; pass < style.passes; ++pass) {
        edit = edit_with(n.G->forward(y_to, n.erased(seen.mu)));
        seen = n.E->forward(torch::sigmoid(edit));
        const torch::Tensor miss = head_miss(seen.y_logits, y_to);
        kept = torch::where((miss < kept_miss).view({-1, 1, 1, 1}), edit, kept);
        kept_miss = torch::minimum(miss, kept_miss);
    }
    return kept;
}

CriticImpl::CriticImpl(int size, int f, int outputs) {
    convs = register_module("convs", ConvStack(size, f));
    fc = register_module("fc", torch::nn::Linear(convs->out_features, outputs));
}

AuxImpl::AuxImpl(int nz, int k) {
    net = register_module("net", torch::nn::Sequential(torch::nn::Linear(nz, kAuxWidth), torch::nn::ReLU(),
                                                       torch::nn::Linear(kAuxWidth, kAuxWidth), torch::nn::ReLU(),
                                                       torch::nn::Linear(kAuxWidth, k)));
}

std::vector<Networks::Named> Networks::present() const {
    std::vector<Named> out;
    auto add = [&](const char* name, const char* key, const auto& holder) {
        if (!holder.is_empty()) out.push_back({name, key, holder.ptr()});
    };
    add("E", "E", E);
    add("G", "G", G);
    add("D", "D", D);
    add("A", "A", A);
    add("C", "D", C);
    add("R", "R", R);
    return out;
}

std::vector<std::shared_ptr<torch::nn::Module>> Networks::modules() const {
    std::vector<std::shared_ptr<torch::nn::Module>> out;
    for (const Named& n : present()) out.push_back(n.module);
    return out;
}

Networks make_networks(const ModelConfig& c, unsigned parts) {
    if (c.k() == 0) throw UsageError("a model needs at least one attribute");
    Networks n;
    n.config = c;
    if (c.is_classifier()) {
        n.C = Critic(c.size, c.f, int(c.k()));
        return n;
    }
    if (parts & kPartEncoder) n.E = Encoder(c);
    if (c.erases()) n.R = Eraser(c.nz, int64_t(c.k()));
    if (parts & kPartDecoder) n.G = Decoder(c);
    if (parts == kPartAll) {
        n.D = Critic(c.size, c.f, 1);
        n.A = Aux(c.nz, int(c.k()));
    }
    return n;
}

void init_as_torch03(Networks& n) {
    torch::NoGradGuard ng;
    for (auto& net : n.modules())
        for (auto& m : net->modules()) {
            if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) {
                bn->weight.uniform_(0, 1);
                bn->bias.zero_();
            } else if (auto* up = m->as<UpConvImpl>()) {
                const double bound = 1.0 / std::sqrt(double(up->weight.size(0) * up->weight.size(2) * up->weight.size(3)));
                up->weight.uniform_(-bound, bound);
                up->bias.uniform_(-bound, bound);
            }
        }
}

void to_channels_last(torch::nn::Module& m) {
    torch::NoGradGuard ng;
    for (auto& p : m.parameters())
        if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
    for (auto& b : m.buffers())
        if (b.dim() == 4) b.set_data(b.data().contiguous(torch::MemoryFormat::ChannelsLast));
}

torch::Tensor unit_floats(const torch::Tensor& u8) {
    return u8.to(torch::kFloat32).div_(255.0f).contiguous(torch::MemoryFormat::ChannelsLast);
}

torch::Tensor images_to_tensor(const uint8_t* chw, size_t n, int size) {
    return unit_floats(torch::from_blob(const_cast<uint8_t*>(chw), {int64_t(n), 3, size, size}, torch::kUInt8));
}

}  // namespace ifgan
