// Using a trained model: load the networks a tool needs, encode, decode,
// classify. A lean header (no LibTorch) so that tools compile quickly.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ifgan {

// Format 2 adds the eraser of a model trained with --erase leace, format 3
// the decoder's skips, format 4 the redrawing of the withheld region,
// format 5 the image itself in level 0 of the skips, format 6 the pixels
// drawn at the image's side, format 7 a decoder with filters of its own; a
// model with none of them is written as format 1, which older versions read.
inline constexpr int kModelFormat = 7;

struct ModelConfig {
    std::string kind = "ifgan";  // or "classifier"
    int size = 64, nz = 100, f = 64;
    // The decoder's base filters (0: f). The decoder without maps draws
    // whatever an edit withholds, so its width is what that region's
    // sharpness asks of (docs/model.md, "A wider decoder").
    int decoder_f = 0;
    int decoder_filters() const { return decoder_f ? decoder_f : f; }
    bool detached_head = true;  // the ŷ head reads stop-gradient features
    std::string crop = "none";
    std::string erase = "none";  // or "leace": every code passes the model's eraser
    // How many of the encoder's finest feature maps reach the decoder, gated
    // by where the edit changes the face (docs/model.md, "Skips"); 0: none,
    // the paper's decoder, which sees only (y, z).
    int skips = 0;
    // With skips: where the gates are shut, the decoder redraws G(y, z)'s
    // image from the encoder's maps of it (docs/model.md, "Redrawing the
    // withheld region"), instead of taking that image as it is.
    bool redraw = false;
    // With skips: level 0 carries the image's own logits beside its
    // features, so that where the gates are open the decoder can pass the
    // photo's pixels as they are (docs/model.md, "The image in level 0").
    bool skip_image = false;
    // The decoder's last stage: an up-convolution to f/2 maps at the image's
    // side, a ReLU and a 3 x 3 convolution to the pixels (docs/model.md,
    // "The pixels drawn at the image's side"), instead of one up-convolution
    // to the three channels.
    bool pixel_conv = false;
    std::vector<std::string> attrs;
    // Where the training faces' five landmarks lie on average, in input
    // pixels (x1 y1 ... x5 y5), when the data set lists them; empty when not
    // known. Photos are aligned onto these points (ifgan-encode).
    std::vector<double> frame;
    size_t k() const { return attrs.size(); }
    bool is_classifier() const { return kind == "classifier"; }
    bool erases() const { return erase == "leace"; }
};

// How many times an edit of a model with skips draws the region it
// withholds (docs/model.md, "Drawing the withheld region again"). A photo's
// code still holds some of the attribute the photo shows, so G(y_to, z)
// draws a faint ghost of the old attribute where it is removed; the code of
// that edit holds less of it. Each pass after the first encodes the last
// edit and draws the region again from that code, through the first pass's
// gates; of the edits drawn, the one the model's own ŷ head finds nearest
// y_to is kept, so that an added attribute, which a pass can weaken, keeps
// its first drawing. 1: the region drawn once, from the photo's code.
inline constexpr int kEditPasses = 2;
// Below what change an edit of a model with skips keeps the photo
// (docs/model.md, "The photo kept under the decoder's noise"): where the
// edit differs from the reconstruction by less than the floor in every
// channel, and so does G's own image between the two attribute values, the
// reconstruction (the photo's own pixels) is kept; where either reaches
// twice the floor, the edit; a ramp between. The decoder draws the withheld
// region from the code alone, with a texture of its own over skin that the
// attribute does not change; that texture is what the floor removes.
// 0: none. 0.08 took more of the texture away from smiles and weakened thin
// glasses; 0.04 kept every edit within a point (docs/results.md).
inline constexpr double kEditFloor = 0.04, kEditFloorMax = 0.5;

// How an edit of a model with skips is drawn.
struct EditStyle {
    int passes = kEditPasses;
    double floor = kEditFloor;
    // UsageError naming what is wrong by the names given (the options', in a tool).
    void check(const std::string& passes_name = "an edit's passes",
               const std::string& floor_name = "an edit's floor") const;
};

// Which networks to load.
enum ModelParts : unsigned { kPartEncoder = 1, kPartDecoder = 2, kPartAll = 0xff };

class Model {
public:
    // Throws Error naming the file if it is not a model, is damaged, or is
    // of a newer format. `want_kind` empty accepts any kind.
    static Model load(const std::string& path, unsigned parts = kPartAll, const std::string& want_kind = "");
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;
    ~Model();

    const ModelConfig& config() const;
    const std::string& fingerprint() const;
    const std::string& metadata_json() const;
    const std::string& path() const;

    // `chw` holds n prepared images (3 x size x size, uint8). Outputs: z is
    // n x nz (the posterior mean, or a sample when `sample`), y is n x k
    // probabilities.
    void encode(const uint8_t* chw, size_t n, bool sample, uint64_t seed, float* z, float* y) const;
    // z is n x nz, y is n x k (any real values); out is n x 3 x size x size in [0,1].
    // A model with skips decodes here from (y, z) alone, without its skips.
    void decode(const float* z, const float* y, size_t n, float* out) const;
    // The edit of n prepared images (chw, as for encode) whose encoding is
    // (z, y_from), decoded with the attributes y_to. A model with skips also
    // gives the decoder the images' own features wherever the edit leaves
    // the face as it was; otherwise this is decode(z, y_to).
    // With `rec`, also the reconstructions (y_to = y_from), from the same
    // encoder pass.
    void edit(const uint8_t* chw, const float* z, const float* y_from, const float* y_to, size_t n, float* out,
              float* rec = nullptr) const;
    bool has_skips() const { return config().skips > 0; }
    // How edit() draws on a model with skips (EditStyle's defaults unless
    // set). Each pass after the first costs an encoder pass and a decoder
    // pass without maps (with redraw, and one with maps); a floor, one
    // decoder pass with maps.
    void set_edit_style(const EditStyle& style);
    const EditStyle& edit_style() const;
    // P(attribute | image), n x k: the ŷ head of an ifgan model, or a classifier's logits.
    void classify(const uint8_t* chw, size_t n, float* probs) const;

    struct Impl;

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// LibTorch's intra-op threads (it picks 1 here by default) and OpenMP's.
void set_threads(int n);
// For a training process: freed memory stays in the heap for the next step
// instead of being returned and faulted in again (docs/performance.md).
void keep_freed_memory();
// The BLAS library this process loaded (from /proc/self/maps), for a warning
// when it is Debian's slow reference implementation.
std::string blas_library();

}  // namespace ifgan
