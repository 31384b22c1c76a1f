// make bench, part 2: one 5x5 stride-2 convolution layer of the conv stack,
// bf16, run through oneDNN's own C++ API (Debian's libdnnl-dev, the library
// LibTorch itself calls), forward, input gradient and weight gradient, in the
// channels-last layout LibTorch hands it and in the blocked layouts oneDNN
// picks for itself. Beside `ifgan-bench conv`, it shows whether calling
// oneDNN directly, with blocked layouts kept between layers, has anything to
// win over LibTorch's path. One JSON object per line.
//
//     onednn-conv BATCH CIN COUT SIDE
#include <oneapi/dnnl/dnnl.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace dnnl;
using Tag = memory::format_tag;
using Type = memory::data_type;

static double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Milliseconds per call of `run`, the best of 5 after one warm-up call.
template <class F>
static double best_ms(stream& s, F&& run) {
    run();
    s.wait();
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        double t = now();
        run();
        s.wait();
        best = std::min(best, (now() - t) * 1000);
    }
    return best;
}

static void time_layer(int n, int cin, int cout, int side, bool blocked) {
    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    const int out = side / 2;
    memory::dims src{n, cin, side, side}, wei{cout, cin, 5, 5}, bia{cout}, dst{n, cout, out, out};
    memory::dims stride{2, 2}, pad{2, 2};
    const Tag act = blocked ? Tag::any : Tag::nhwc;
    auto sd = memory::desc(src, Type::bf16, act), dd = memory::desc(dst, Type::bf16, act);
    auto wd = memory::desc(wei, Type::bf16, Tag::any), bd = memory::desc(bia, Type::bf16, Tag::any);
    auto fwd = convolution_forward::primitive_desc(
        convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, sd, wd, bd, dd, stride,
                                  pad, pad),
        eng);
    auto bwd_data = convolution_backward_data::primitive_desc(
        convolution_backward_data::desc(algorithm::convolution_direct, sd, wd, dd, stride, pad, pad), eng, fwd);
    auto bwd_weights = convolution_backward_weights::primitive_desc(
        convolution_backward_weights::desc(algorithm::convolution_direct, sd, wd, bd, dd, stride, pad, pad), eng, fwd);
    memory x(fwd.src_desc(), eng), w(fwd.weights_desc(), eng), b(fwd.bias_desc(), eng), y(fwd.dst_desc(), eng);
    memory dx(bwd_data.diff_src_desc(), eng), dy(bwd_data.diff_dst_desc(), eng), w_bd(bwd_data.weights_desc(), eng);
    memory x_bw(bwd_weights.src_desc(), eng), dy_bw(bwd_weights.diff_dst_desc(), eng);
    memory dw(bwd_weights.diff_weights_desc(), eng), db(bwd_weights.diff_bias_desc(), eng);
    convolution_forward f(fwd);
    convolution_backward_data bd_(bwd_data);
    convolution_backward_weights bw(bwd_weights);
    double f_ms = best_ms(s, [&] { f.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, y}}); });
    double d_ms = best_ms(s, [&] { bd_.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, w_bd}, {DNNL_ARG_DIFF_SRC, dx}}); });
    double w_ms = best_ms(s, [&] {
        bw.execute(s, {{DNNL_ARG_SRC, x_bw}, {DNNL_ARG_DIFF_DST, dy_bw}, {DNNL_ARG_DIFF_WEIGHTS, dw}, {DNNL_ARG_DIFF_BIAS, db}});
    });
    const double gflop = 2.0 * n * cin * cout * 25 * out * out / 1e9;
    std::printf("{\"measure\":\"onednn_conv\",\"path\":\"oneDNN directly\",\"layout\":\"%s\",\"batch\":%d,\"cin\":%d,"
                "\"cout\":%d,\"side\":%d,\"forward_ms\":%.2f,\"input_gradient_ms\":%.2f,\"weight_gradient_ms\":%.2f,"
                "\"gflop\":%.3f,\"implementations\":\"%s / %s / %s\"}\n",
                blocked ? "chosen by oneDNN" : "channels-last", n, cin, cout, side, f_ms, d_ms, w_ms, gflop,
                fwd.impl_info_str(), bwd_data.impl_info_str(), bwd_weights.impl_info_str());
    std::fflush(stdout);
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: onednn-conv BATCH CIN COUT SIDE\n");
        return 2;
    }
    const int n = std::atoi(argv[1]), cin = std::atoi(argv[2]), cout = std::atoi(argv[3]), side = std::atoi(argv[4]);
    if (n < 1 || cin < 1 || cout < 1 || side < 2) {
        std::fprintf(stderr, "onednn-conv: sizes must be positive, the side at least 2\n");
        return 2;
    }
    for (bool blocked : {false, true}) time_layer(n, cin, cout, side, blocked);
    return 0;
}
