// make bench, part 1: the machine's practical matmul peak and the training
// step of the paper's and the demo's configurations, fp32 and bf16, with the
// FLOPs of the passes the step actually runs. One JSON object per line.
#include <chrono>
#include <cstdio>
#include <optional>
#include <nlohmann/json.hpp>

#include "core/dataset.hpp"
#include "nn/critic_pass.hpp"
#include "nn/model.hpp"
#include "nn/networks.hpp"
#include "nn/step.hpp"
#include "nn/train_tasks.hpp"
#include "core/util.hpp"

using namespace ifgan;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// One JSON Lines record on stdout, flushed so that a slow run shows progress.
static void emit(const json& j) {
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
}

static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

static double matmul_gflops(torch::ScalarType dt, int64_t n) {
    auto a = torch::randn({n, n}).to(dt), b = torch::randn({n, n}).to(dt);
    for (int i = 0; i < 2; ++i) torch::mm(a, b);
    int reps = 0;
    auto t = Clock::now();
    while (seconds_since(t) < 3.0) {
        torch::mm(a, b);
        ++reps;
    }
    return 2.0 * double(n) * n * n * reps / seconds_since(t) / 1e9;
}

// Forward FLOPs per image (multiply-adds count 2).
struct Flops {
    double e_convs = 0, e_heads = 0, g = 0, d = 0, a = 0;
};

static Flops count_flops(const ModelConfig& c) {
    Flops f;
    int depth = stack_depth(c.size);
    double side = c.size, in = 3, out = c.f;
    for (int i = 0; i < depth; ++i) {
        side /= 2;
        f.e_convs += 2 * in * out * 25 * side * side;
        in = out;
        out *= 2;
    }
    double feat = in * 16;
    f.e_heads = 2 * feat * (2.0 * c.nz + double(c.k()));
    f.d = f.e_convs + 2 * feat;
    double ch = double(int64_t(c.decoder_filters()) << (depth - 1)), s = 4;
    f.g = 2 * (c.nz + double(c.k())) * ch * 16;
    for (int i = 0; i < depth; ++i) {
        double o = i == depth - 1 ? 3 : ch / 2;
        f.g += 2 * ch * o * 9 * s * s;  // a transposed conv costs Cin*Cout*k*k per input pixel
        ch = o;
        s *= 2;
    }
    const double aw = double(kAuxWidth);
    f.a = 2 * (c.nz * aw + aw * aw + aw * double(c.k()));
    return f;
}

// Training FLOPs per image of the passes ifgan_forward/backward run. Backward
// costs 2x forward when both weight and input gradients are needed, 1x when
// one of them is. E: forward + weight grads (the input is data) = 2x, plus
// input grads of the later layers, counted as 3x overall for simplicity.
static double step_flops(const Flops& f, const StepWeights& w, bool detached) {
    double t = 3 * (f.e_convs + f.e_heads);  // pass 1
    t += 2 * 3 * f.g;                          // passes 2 and 3
    if (w.delta != 0) t += f.d * (1 + 1) + 2 * f.d * (1 + 2);  // pass 4: x needs weight grads only; x̂, x̃ both
    double beta_imgs = w.beta == 0 ? 0 : (w.beta_samples ? 2 : 1);
    t += beta_imgs * f.e_convs * (detached ? 1 : 3);  // pass 5
    t += 3 * f.a;                                      // pass 6
    return t;
}

// The weights back in the standard (NCHW) layout: the lever that
// make_task's channels-last layout is measured against.
static void to_nchw(torch::nn::Module& m) {
    torch::NoGradGuard ng;
    for (auto& p : m.parameters()) p.set_data(p.contiguous());
    for (auto& b : m.buffers()) b.set_data(b.contiguous());
}

// The step of a training configuration (a recipe), timed as ifgan-train runs
// it: the trainer's own task (networks, optimisers, update), on one batch.
static json bench_step(const std::string& name, const TrainConfig& tc, int steps, double peak32, double peak16,
                       bool channels_last = false) {
    TrainConfig as_run = tc;
    as_run.crop = "none";
    const ModelConfig c = model_config(as_run, {"Smiling"}, {});
    const StepWeights w = step_weights(tc);
    const int batch = tc.batch;
    torch::manual_seed(1);
    std::unique_ptr<TrainTask> task = make_task(as_run, make_networks(c));
    if (!channels_last)
        for (auto& m : task->nets.modules()) to_nchw(*m);
    auto gen = at::detail::createCPUGenerator(1);
    Batch b{torch::rand({batch, 3, c.size, c.size}), torch::randint(0, 2, {batch, int64_t(c.k())}).to(torch::kFloat32), {}};
    if (tc.landmarks > 0) b.marks = torch::randn({batch, 10});
    if (channels_last) b.x = b.x.contiguous(torch::MemoryFormat::ChannelsLast);
    auto one = [&] { task->step(b, gen); };
    for (int i = 0; i < 2; ++i) one();
    double sec = 0, best = 1e30;
    for (int i = 0; i < steps; ++i) {
        auto t = Clock::now();
        one();
        double s = seconds_since(t);
        sec += s / steps;
        best = std::min(best, s);
    }
    double fl = step_flops(count_flops(c), w, c.detached_head);
    double achieved = fl * batch / sec / 1e9;
    const bool bf16 = step_run(tc).bf16;
    double peak = bf16 ? peak16 : peak32;
    json r = {{"measure", "train_step"}, {"config", name}, {"precision", bf16 ? "bf16" : "fp32"},
              {"layout", channels_last ? "channels_last" : "nchw"},
              {"size", c.size}, {"f", c.f}, {"nz", c.nz}, {"skips", c.skips}, {"batch", batch}, {"ms_per_step", sec * 1000},
              {"images_per_s", batch / sec}, {"best_images_per_s", batch / best},
              {"gflop_per_image", fl / 1e9}, {"achieved_gflops", achieved}};
    if (c.skips) {
        // The count covers the paper's passes, not the skips' two decoder passes.
        r.erase("gflop_per_image");
        r.erase("achieved_gflops");
    }
    if (peak > 0 && !c.skips) r["fraction_of_peak"] = achieved / peak;  // against the matmul peak of the same run
    return r;
}

// Where a step's time goes: each network's passes of ifgan_forward/backward
// timed alone (forward, then forward + backward), channels-last, with the
// step's precision, and the optimiser steps.
static void profile_step(ModelConfig c, bool bf16, int batch) {
    torch::manual_seed(1);
    Networks n = make_networks(c);
    for (auto& m : n.modules()) to_channels_last(*m);
    const auto CL = torch::MemoryFormat::ChannelsLast;
    auto img = [&](int64_t b, bool grad) {
        return torch::rand({b, 3, c.size, c.size}).contiguous(CL).requires_grad_(grad);
    };
    auto y = torch::ones({batch, int64_t(c.k())});
    auto record = [&](const std::string& pass) {
        return json({{"measure", "step_profile"}, {"precision", bf16 ? "bf16" : "fp32"}, {"f", c.f},
                     {"batch", batch}, {"pass", pass}});
    };
    // Milliseconds per call of `run`, over at least 1.5 s and 2 calls.
    auto time_ms = [&](auto&& run) {
        auto t = Clock::now();
        int reps = 0;
        while (reps < 2 || seconds_since(t) < 1.5) {
            run();
            ++reps;
        }
        return seconds_since(t) / reps * 1000;
    };
    auto emit_pass = [&](const std::string& name, double f, double fb) {
        json r = record(name);
        r["forward_ms"] = f;
        r["forward_backward_ms"] = fb;
        emit(r);
    };
    auto time_pass = [&](const std::string& name, auto&& fwd, bool has_backward = true) {
        auto run = [&](bool backward) {
            torch::Tensor out;
            {
                Autocast ac(bf16);
                out = fwd().to(torch::kFloat32);
            }
            if (backward) out.sum().backward();
        };
        run(has_backward);  // warm-up
        double f = time_ms([&] { run(false); });
        emit_pass(name, f, has_backward ? time_ms([&] { run(true); }) : f);
    };
    auto x = img(batch, false), z = torch::randn({batch, int64_t(c.nz)}, torch::requires_grad());
    time_pass("E on x (pass 1)", [&] { return n.E->forward(x).mu; });
    time_pass("G on (y, z), one of passes 2 and 3", [&] { return n.G->forward(y, z); });
    {
        // Pass 4 as the step runs it: by hand, one backward pass through D
        // for both losses (nn/critic_pass.hpp).
        auto fakes = img(2 * batch, true);
        auto ones = torch::ones({3 * batch, 1});
        auto run = [&](bool backward) {
            std::optional<CriticPass> d;
            {
                Autocast ac(bf16);
                d.emplace(n.D, x, fakes, bf16);
            }
            if (!backward) return;
            d->backward(ones, ones);
            d->accumulate_weight_gradients();
        };
        run(true);
        double f = time_ms([&] { run(false); });
        emit_pass("D on [x, x^, x~] (pass 4)", f, time_ms([&] { run(true); }));
    }
    time_pass("E conv stack on x^ (pass 5, no graph)", [&] {
        torch::NoGradGuard ng;
        return n.E->convs->forward(x);
    }, false);
    time_pass("A on z (pass 6)", [&] { return n.A->forward(z); });
    auto ps = params_of({n.E.ptr(), n.G.ptr(), n.D.ptr(), n.A.ptr()});
    for (auto& p : ps) p.mutable_grad() = torch::randn_like(p);
    torch::optim::RMSprop opt(ps, torch::optim::RMSpropOptions(2e-4));
    json r = record("optimiser steps (E, G, D, A)");
    r["forward_backward_ms"] = time_ms([&] { opt.step(); });
    emit(r);
}

// `ifgan-bench cache DIR THREADS`: faces/s of the preprocessing cache build.
static int bench_cache(const std::string& dir, int threads) {
    Dataset ds = load_dataset(dir);
    CacheOptions co;
    co.size = 64;
    co.crop = Crop::none;
    co.threads = threads;
    co.persist = false;
    auto t = Clock::now();
    ImageCache c = build_cache(ds, ds.indices(kAll), co);
    double sec = seconds_since(t);
    emit({{"measure", "cache_build"}, {"images", c.count}, {"threads", threads}, {"faces_per_s", c.count / sec}});
    return 0;
}

// `ifgan-bench conv BATCH CIN COUT SIDE`: one layer of the conv stack in
// bf16, channels-last, as ifgan calls it through LibTorch (forward, input
// gradient, weight gradient), beside bench/onednn_conv.cpp's direct calls.
static int bench_conv(int n, int cin, int cout, int side) {
    const auto CL = torch::MemoryFormat::ChannelsLast;
    auto x = torch::randn({n, cin, side, side}).to(torch::kBFloat16).contiguous(CL);
    auto w = torch::randn({cout, cin, kStackKernel, kStackKernel}).to(torch::kBFloat16);
    auto b = torch::randn({cout}).to(torch::kBFloat16);
    auto y = torch::conv2d(x, w, b, kStackStride, kStackPadding);
    auto g = torch::randn_like(y).contiguous(CL);
    auto backward = [&](std::array<bool, 3> mask) {
        return at::convolution_backward(g, x, w, c10::IntArrayRef{cout}, {kStackStride, kStackStride},
                                        {kStackPadding, kStackPadding}, {1, 1}, false, {0, 0}, 1, mask);
    };
    auto best_ms = [](auto&& run) {
        run();
        double best = 1e30;
        for (int i = 0; i < 5; ++i) {
            auto t = Clock::now();
            run();
            best = std::min(best, seconds_since(t) * 1000);
        }
        return best;
    };
    const int64_t out = side / 2;
    emit({{"measure", "onednn_conv"}, {"path", "LibTorch"}, {"layout", "channels-last"}, {"batch", n}, {"cin", cin},
          {"cout", cout}, {"side", side},
          {"forward_ms", best_ms([&] { torch::conv2d(x, w, b, kStackStride, kStackPadding); })},
          {"input_gradient_ms", best_ms([&] { backward({true, false, false}); })},
          {"weight_gradient_ms", best_ms([&] { backward({false, true, true}); })},
          {"gflop", 2.0 * n * cin * cout * 25 * double(out * out) / 1e9}});
    return 0;
}

// The fast recipe's variants the bench times, by name: fast (the recipe:
// --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv
// --critic-fraction 0.5), fast-decoder64 (the recipe with --decoder-filters
// 64, twice its filters), fast-critic-whole (D on the whole batch),
// fast-upconv (the recipe before --pixels conv, D on the whole batch),
// fast-nolandmarks (that before the landmark term), fast-level0-features
// (that before the image in level 0), fast-redraw (that and --fill redraw),
// fast-noskips (the recipe before its skips and D features), fast-skips3
// (the skips without D features) and fast-skips3-sparsity (and
// --edit-sparsity 0.3). False for another name.
static bool fast_variant(const std::string& name, TrainConfig& tc) {
    tc = recipe("fast");
    if (name == "fast") return true;
    tc.decoder_f = 64;
    if (name == "fast-decoder64") return true;
    tc.decoder_f = 0;
    tc.critic_fraction = 1;
    if (name == "fast-critic-whole") return true;
    tc.pixels = Pixels::upconv;
    if (name == "fast-upconv") return true;
    tc.landmarks = 0;
    if (name == "fast-nolandmarks") return true;
    tc.level0 = Level0::features;
    if (name == "fast-level0-features") return true;
    tc.fill = Fill::redraw;
    if (name == "fast-redraw") return true;
    tc.fill = Fill::plain;
    tc.skips = 0, tc.feature_rec = 0;
    if (name == "fast-noskips") return true;
    tc.skips = 3;
    if (name == "fast-skips3") return true;
    tc.edit_sparsity = 0.3;
    return name == "fast-skips3-sparsity";
}
static const char* const kFastVariants[] = {"fast-noskips",         "fast-skips3",      "fast-skips3-sparsity",
                                            "fast-level0-features", "fast-nolandmarks", "fast-upconv",
                                            "fast-critic-whole",    "fast",             "fast-decoder64",
                                            "fast-redraw"};

// `ifgan-bench step VARIANT [STEPS [THREADS [default-malloc]]]`: one bf16
// step alone: the paper configuration (VARIANT authors or attached-label) or
// a variant of the fast recipe (above), with ifgan-train's allocator
// settings unless `default-malloc`.
static int bench_one_step(const std::string& variant, int steps, int threads, bool keep_memory) {
    set_threads(threads);
    if (keep_memory) keep_freed_memory();
    TrainConfig tc;
    const bool fast = fast_variant(variant, tc);
    if (!fast) tc = recipe("paper");
    tc.precision = Precision::bf16;
    if (variant == "attached-label") {
        tc.head = Head::attached;
        tc.decoder_input = DecoderInput::label;
    } else if (!fast && variant != "authors") {
        std::string known = "authors, attached-label";
        for (const char* name : kFastVariants) known += std::string(", ") + name;
        std::fprintf(stderr, "ifgan-bench: unknown variant '%s' (%s)\n", variant.c_str(), known.c_str());
        return 2;
    }
    emit(bench_step(fast ? variant : "paper-" + variant, tc, steps, 0, 0, true));  // no peak measured here
    return 0;
}

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (argc > 2 && mode == "cache") return bench_cache(argv[2], argc > 3 ? std::atoi(argv[3]) : default_threads());
    if (argc > 5 && mode == "conv") {
        set_threads(argc > 6 ? std::atoi(argv[6]) : default_threads());
        keep_freed_memory();  // as ifgan-train: LibTorch allocates oneDNN's scratchpad on every call
        return bench_conv(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
    }
    if (argc > 2 && mode == "step")
        return bench_one_step(argv[2], argc > 3 ? std::atoi(argv[3]) : 6, argc > 4 ? std::atoi(argv[4]) : default_threads(),
                              !(argc > 5 && std::string(argv[5]) == "default-malloc"));
    int threads = argc > 1 ? std::atoi(argv[1]) : default_threads();
    set_threads(threads);
    keep_freed_memory();  // as ifgan-train
    double p32 = matmul_gflops(torch::kFloat32, 2048), p16 = matmul_gflops(torch::kBFloat16, 2048);
    emit({{"measure", "matmul_peak"}, {"n", 2048}, {"threads", threads}, {"fp32_gflops", p32},
          {"bf16_gflops", p16}, {"blas", blas_library()}});
    for (Precision p : {Precision::fp32, Precision::bf16}) {
        TrainConfig paper = recipe("paper");
        paper.precision = p;
        emit(bench_step("paper", paper, 6, p32, p16));
        emit(bench_step("paper", paper, 6, p32, p16, true));
        // The fast recipe and what it is made of, side by side in one run.
        for (const char* name : kFastVariants) {
            TrainConfig fast;
            fast_variant(name, fast);
            fast.precision = p;
            emit(bench_step(name, fast, 12, p32, p16, true));
        }
    }
    // The paper's configuration in bf16 in both variants, beside
    // bench/pytorch_step.py's (scripts/bench.sh runs both in one run).
    TrainConfig authors = recipe("paper"), attached = recipe("paper");
    authors.precision = attached.precision = Precision::bf16;
    attached.head = Head::attached;
    attached.decoder_input = DecoderInput::label;
    emit(bench_step("paper-authors", authors, 6, p32, p16, true));
    emit(bench_step("paper-attached-label", attached, 6, p32, p16, true));
    ModelConfig paper;
    paper.attrs = {"Smiling"};
    for (bool bf16 : {false, true}) profile_step(paper, bf16, 64);
    return 0;
}
