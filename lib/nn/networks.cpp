#include "nn/networks.hpp"

#include <ATen/autocast_mode.h>

#include "core/util.hpp"

namespace ifgan {

int stack_depth(int size) {
    int d = 0;
    while (size > 4 && size % 2 == 0) {
        size /= 2;
        ++d;
    }
    if (size != 4 || d < 2) throw UsageError("image size must be 4 x a power of two, at least 16 (32, 64, 128)");
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

EncoderImpl::EncoderImpl(const ModelConfig& c) : detached(c.detached_head) {
    convs = register_module("convs", ConvStack(c.size, c.f));
    int64_t n = convs->out_features;
    mu_head = register_module("mu", torch::nn::Linear(n, c.nz));
    logvar_head = register_module("logvar", torch::nn::Linear(n, c.nz));
    y_head = register_module("y", torch::nn::Linear(n, int64_t(c.k())));
}

EncoderOut EncoderImpl::forward(torch::Tensor x) {
    torch::Tensor h = convs->forward(x);
    return {mu_head->forward(h), logvar_head->forward(h), head(h)};
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

DecoderImpl::DecoderImpl(const ModelConfig& c) {
    int depth = stack_depth(c.size);
    c0 = int64_t(c.f) << (depth - 1);
    fc = register_module("fc", torch::nn::Linear(int64_t(c.k()) + c.nz, c0 * 16));
    deconvs = register_module("deconvs", torch::nn::Sequential());
    int64_t in = c0;
    for (int i = 0; i < depth - 1; ++i) {
        deconvs->push_back(UpConv(in, in / 2));
        deconvs->push_back(torch::nn::BatchNorm2d(in / 2));
        deconvs->push_back(torch::nn::ReLU());
        in /= 2;
    }
    deconvs->push_back(UpConv(in, 3));
}

torch::Tensor DecoderImpl::forward(torch::Tensor y, torch::Tensor z) {
    torch::Tensor h = torch::relu(fc->forward(torch::cat({y, z}, 1)));
    return deconvs->forward(h.view({h.size(0), c0, 4, 4}));
}

CriticImpl::CriticImpl(int size, int f, int outputs) {
    convs = register_module("convs", ConvStack(size, f));
    fc = register_module("fc", torch::nn::Linear(convs->out_features, outputs));
}

AuxImpl::AuxImpl(int nz, int k) {
    net = register_module("net", torch::nn::Sequential(torch::nn::Linear(nz, 1000), torch::nn::ReLU(),
                                                       torch::nn::Linear(1000, 1000), torch::nn::ReLU(),
                                                       torch::nn::Linear(1000, k)));
}

std::vector<std::shared_ptr<torch::nn::Module>> Networks::modules() const {
    std::vector<std::shared_ptr<torch::nn::Module>> out;
    if (!E.is_empty()) out.push_back(E.ptr());
    if (!G.is_empty()) out.push_back(G.ptr());
    if (!D.is_empty()) out.push_back(D.ptr());
    if (!A.is_empty()) out.push_back(A.ptr());
    if (!C.is_empty()) out.push_back(C.ptr());
    if (!R.is_empty()) out.push_back(R.ptr());
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
