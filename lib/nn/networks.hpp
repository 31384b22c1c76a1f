// The four networks of docs/model.md and the independent classifier, as LibTorch
// modules. Included only by lib/nn/*.cpp (after the precompiled header).
#pragma once
#include <torch/torch.h>

#include "nn/eraser.hpp"
#include "nn/model.hpp"

namespace ifgan {

// Number of stride-2 layers that take `size` down to a 4x4 feature map.
// The image sizes the networks take, 4 x 2^d for d >= 2 up to
// kMaxImageSize, and their conv stacks' depth d; any other size is a
// UsageError. The one statement of the rule (training checks it here too).
inline constexpr int kMaxImageSize = 512;
int stack_depth(int size);

// The conv stack's layers: kernel, stride and padding.
constexpr int64_t kStackKernel = 5, kStackStride = 2, kStackPadding = 2;

// Conv2d(5x5, stride 2, padding 2) layers 3 -> f -> 2f -> ..., ReLU after each.
struct ConvStackImpl : torch::nn::Module {
    ConvStackImpl(int size, int f);
    torch::Tensor forward(torch::Tensor x);  // -> flattened features
    // The same, keeping the feature maps of the first `keep` layers (after
    // their ReLU) in `maps`, finest first.
    torch::Tensor forward(torch::Tensor x, int keep, std::vector<torch::Tensor>& maps);
    // The feature map after the first `n` layers (and their ReLU) alone.
    torch::Tensor features(torch::Tensor x, int n);
    // The first `n` layers alone, keeping the maps of the first `keep` in
    // `maps`: what the three above are made of.
    torch::Tensor run(torch::Tensor x, int n, int keep, std::vector<torch::Tensor>& maps);
    int64_t out_features = 0;
    torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(ConvStack);

struct EncoderOut {
    torch::Tensor mu, logvar, y_logits;
    // For a decoder with skips, level 0 first: level i at the image's
    // resolution / 2^i; level 0 from skip_in (and, with skip_image, the
    // image's logits as its last 3 channels), level i >= 1 the conv stack's
    // map i - 1 (after its ReLU).
    std::vector<torch::Tensor> skips;
};

struct EncoderImpl : torch::nn::Module {
    EncoderImpl(const ModelConfig& c);
    EncoderOut forward(torch::Tensor x);
    // The maps EncoderOut::skips holds, alone.
    std::vector<torch::Tensor> maps(torch::Tensor x);
    // Level 0 of the skips, ReLU(skip_in(x)); with skip_image, followed by
    // the image's logits, logit(x) with x clamped to kImageLogitClamp.
    torch::Tensor level0(torch::Tensor x);
    // The ŷ head alone, on features computed elsewhere.
    torch::Tensor head(torch::Tensor features) { return y_head->forward(detached ? features.detach() : features); }
    ConvStack convs{nullptr};
    torch::nn::Linear mu_head{nullptr}, logvar_head{nullptr}, y_head{nullptr};
    torch::nn::Conv2d skip_in{nullptr};  // level 0's map, with skips
    bool detached, skip_image;
    int skips;
};
TORCH_MODULE(Encoder);

// Level 0's image channels hold logit(x) for x clamped to [c, 1 − c]:
// finite, and within half a level of 8 bits of x once back through σ.
inline constexpr double kImageLogitClamp = 1.0 / 512;

// ConvTranspose2d(cin, cout, 3, stride 2, padding 1, output_padding 1), the
// decoder's upsampling layer, with the same parameters ("weight" [cin, cout,
// 3, 3], "bias"), initialisation and output, computed as what a transposed
// convolution is: the input gradient of the Conv2d(cout, cin, 3, stride 2,
// padding 1) with the same weight. Its own gradients are that Conv2d's
// forward (for the input) and weight gradient with the roles of input and
// output swapped. Why: LibTorch 1.13's CPU ConvTranspose2d runs outside
// oneDNN in fp32 and fails in bf16, while the Conv2d kernels it is made of
// run in oneDNN in both (docs/performance.md has the figures).
struct UpConvImpl : torch::nn::Module {
    UpConvImpl(int64_t cin, int64_t cout);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias;
};
TORCH_MODULE(UpConv);

// What a decoder with skips is given beside (y, z): the encoder's feature
// maps (EncoderOut::skips) and for each a gate [N, 1, H, W] in [0, 1], 1
// where the map passes, 0 where the decoder draws from (y, z) alone.
struct Skips {
    const std::vector<torch::Tensor>& maps;
    std::vector<torch::Tensor> gates;
    // The decoder's logits without maps for the same (y, z): where level 0's
    // gate is shut the output is these, blended by that gate.
    torch::Tensor plain;
    // With redraw, in place of `plain`: the encoder's maps of σ(plain), which
    // pass where the gates are shut, each through its own projection; the
    // output is then the decoder's own, everywhere.
    std::vector<torch::Tensor> drawn;
    // The decoder's batch is the maps' rows and then their first `repeat`
    // rows again: each map is projected once and its projection repeated,
    // rather than the maps themselves (the training step's edited half
    // reads the same maps as its reconstruction).
    int64_t repeat = 0;
};

struct DecoderImpl : torch::nn::Module {
    DecoderImpl(const ModelConfig& c);
    torch::Tensor forward(torch::Tensor y, torch::Tensor z);  // -> image logits
    // With skips: after each up-convolution at a skipped level's resolution,
    // its own BatchNorm (the statistics with skips differ) and ReLU, then
    // h + gate * Conv1x1(map); level 0's gated Conv1x1 is added to the logits.
    torch::Tensor forward(torch::Tensor y, torch::Tensor z, const Skips& s);
    torch::nn::Linear fc{nullptr};
    torch::nn::Sequential deconvs{nullptr};
    torch::nn::ModuleList skip_proj{nullptr}, skip_bn{nullptr};  // one per skip, finest first
    torch::nn::ModuleList redraw_proj{nullptr};  // with redraw: one per skip, for Skips::drawn
    int64_t c0;
    int stages, skips;
};
TORCH_MODULE(Decoder);

// The discriminator (k = 1 logit) and the independent classifier (k logits)
// share this shape: the encoder's conv stack and one linear layer.
struct CriticImpl : torch::nn::Module {
    CriticImpl(int size, int f, int outputs);
    torch::Tensor forward(torch::Tensor x) { return fc->forward(convs->forward(x)); }
    ConvStack convs{nullptr};
    torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Critic);

// A's two hidden layers (the authors' code).
inline constexpr int64_t kAuxWidth = 1000;
struct AuxImpl : torch::nn::Module {
    AuxImpl(int nz, int k);
    torch::Tensor forward(torch::Tensor z) { return net->forward(z); }
    torch::nn::Sequential net{nullptr};
};
TORCH_MODULE(Aux);

// Every network of a model file, any of which may be absent (null).
struct Networks {
    ModelConfig config;
    Encoder E{nullptr};
    Decoder G{nullptr};
    Critic D{nullptr};  // the discriminator
    Aux A{nullptr};
    Critic C{nullptr};  // the independent classifier (kind "classifier"), alone
    Eraser R{nullptr};  // the concept eraser of the identity code (--erase leace)
    // The landmark head (--landmarks): the five landmarks, less the mean
    // frame, read linearly from landmark_input(z, y). Training alone: not
    // among present(), its weights are training state (EditorTask).
    torch::nn::Linear L{nullptr};
    // A code as the decoder and A see it: through the published eraser, if any.
    torch::Tensor erased(const torch::Tensor& code) const { return R.is_empty() ? code : R->forward(code); }
    // The networks present, in their file order, each with the name its
    // checksum has and its key in the model file: the one list that saving,
    // loading, checksums and modules() read. The classifier is stored under
    // the discriminator's key, as in every model file written so far (a
    // classifier file has no discriminator); its checksum is C's.
    struct Named {
        const char* name;
        const char* file_key;
        std::shared_ptr<torch::nn::Module> module;
    };
    std::vector<Named> present() const;
    // The networks present, as plain modules.
    std::vector<std::shared_ptr<torch::nn::Module>> modules() const;
};
Networks make_networks(const ModelConfig& c, unsigned parts = kPartAll);

// The gates of a decoder with skips, from where its images without skips
// change between the attributes of the encoding and the edit's (both in
// [0, 1]): the change is averaged over kGateSmooth x kGateSmooth pixels, a
// pixel is withheld in proportion to the largest averaged change of its
// channels from kGateLow (passes) to kGateHigh (withheld), widened by
// `margin` pixels, and each map is withheld over the pixels its
// receptive field reaches. The average keeps the decoder's pixel noise,
// which differs between any two of its images, from opening the region
// where the attribute is not.
constexpr double kGateLow = 0.05, kGateHigh = 0.15;
constexpr int kGateMargin = 2;
constexpr int kGateSmooth = 3;
// The pixels a level's map reads across: 3 for level 0, 5, 13, 29, ... for the conv stack's maps.
int64_t skip_receptive_field(int level);
std::vector<torch::Tensor> skip_gates(const torch::Tensor& from, const torch::Tensor& to, int skips,
                                      int64_t margin = kGateMargin);
// The margin an edit's gates are widened by. Training widens by kGateMargin
// for every model; a model with the image in level 0 edits through gates
// not widened (kEditGateMarginImage): its decoder's edges of a change are
// sharp, and what a margin withholds is the photo itself (measured nearer
// the truth for both attributes and both data sets, docs/results.md).
constexpr int kEditGateMarginImage = 0;
int64_t edit_gate_margin(const ModelConfig& c);
// The edit of an encoding `e` (its code as the decoder sees it) from the
// attributes y_from to y_to, as image logits: G(y_to, code), with the
// encoder's maps where the change leaves the face alone on a model with
// skips, drawn as `style` says (its withheld region drawn style.passes
// times, the photo kept under style.floor). y_from == y_to is the
// reconstruction; `rec_logits`, when the caller has it, is that
// reconstruction, which the floor then reads instead of drawing it again.
torch::Tensor edit_logits(Networks& n, const EncoderOut& e, const torch::Tensor& code,
                          const torch::Tensor& y_from, const torch::Tensor& y_to, const EditStyle& style = {},
                          const torch::Tensor& rec_logits = {});

// PyTorch 0.3's initialisation where LibTorch's differs (--init torch03):
// BatchNorm weights U(0, 1) and biases 0; transposed convolutions' weights
// and biases U(±1/sqrt(cin·k·k)), the fan-in of their input channels
// (LibTorch takes the output channels'). Convolutions and linear layers
// are the same in both.
void init_as_torch03(Networks& n);

// Puts every 4-D parameter and buffer in channels-last (NHWC) order, the
// layout oneDNN's convolutions prefer.
void to_channels_last(torch::nn::Module& m);

// uint8 [n, 3, s, s] -> float in [0,1], channels-last in memory.
torch::Tensor unit_floats(const torch::Tensor& u8);
// uint8 CHW batch -> float [n, 3, size, size] in [0,1], channels-last in memory.
torch::Tensor images_to_tensor(const uint8_t* chw, size_t n, int size);

}  // namespace ifgan
