// The work behind ifgan-encode, ifgan-decode and ifgan-classify, so that the
// tools stay thin. No LibTorch in this header.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/align.hpp"
#include "core/cxxopts_fwd.hpp"
#include "core/dataset.hpp"
#include "core/latent.hpp"
#include "nn/model.hpp"

namespace ifgan {

using LineSink = std::function<void(const std::string&)>;

// Where a face came from: the photo, and the transform from its pixels to
// the model's input (docs/formats.md, "source"). No path: stdin.
struct FaceSource {
    std::string id, path;
    int width = 0, height = 0;
    Affine to_model;
    Landmarks landmarks;
    bool has_landmarks = false;
};

// The faces named by `inputs` in the model's geometry: image files (cropped
// and resized as the model was trained, decoded in parallel), "-" (the bytes
// of stdin), or ifgan-align records (the photo warped onto the model's frame;
// `first` numbers them in messages). `sources`, when given, gets where each
// came from. Errors name the file.
ImageCache load_inputs(const std::vector<std::string>& inputs, const ModelConfig& c, int threads, size_t first = 0,
                       std::vector<FaceSource>* sources = nullptr);

// The similarity that takes a face's five landmarks in its photo onto the
// model's frame (ifgan-encode of an align record, ifgan-serve).
Affine landmarks_to_model(const Landmarks& l, const ModelConfig& c);

struct EncodeOptions {
    int batch = 64, threads = 1;
    bool sample = false;
    uint64_t seed = 1;
};
// One latent record per input, in order.
void encode_images(const Model& m, const std::vector<std::string>& inputs, const EncodeOptions& o, const LineSink& emit);

// How an edit goes back into its photo (ifgan-decode --paste, ifgan-eval --paste).
struct PasteStyle {
    double feather = 0.1;   // the share of the face square over which the change fades in
    double replace = 0.15;  // where edit and reconstruction differ by this much, the edit replaces the photo (0: never)
    void check() const;     // UsageError naming the option
};
// --feather and --replace, their defaults PasteStyle's; read and checked by
// paste_style_options().
void add_paste_style_options(cxxopts::Options& opts, const std::string& group = "");
PasteStyle paste_style_options(const cxxopts::ParseResult& r);

// --edit-passes and --edit-floor, their defaults EditStyle's (nn/model.hpp);
// read and checked by edit_style_options().
void add_edit_options(cxxopts::Options& opts, const std::string& group = "");
EditStyle edit_style_options(const cxxopts::ParseResult& r);

struct DecodeOptions {
    std::string out_dir, suffix = "-edit", sheet;
    bool to_stdout = false, force = false;
    bool paste = false;     // the edit pasted into the source photo at its own size (--out only)
    PasteStyle style;
    int batch = 64, threads = 1;  // threads: photos pasted at once
};
// Decodes every record of `in`; returns the number of images made.
size_t decode_stream(const Model& m, RecordReader& in, const DecodeOptions& o);
// The edit pasted into its photo: (edit - rec), both size x size planar in
// [0,1], added to the photo through the inverse of to_model, fading in over
// the outer `feather` share of the face square; where edit and rec differ by
// `replace` or more, the edit itself replaces the photo (replace_mask), so
// that a feature removed by the edit is removed from the photo too.
Image paste_edit(const Image& photo, const float* edit, const float* rec, int size, const Affine& to_model,
                 const PasteStyle& style);
// A pasted photo's bytes in its photo's format: JPEG stays JPEG (quality
// 95), anything else becomes PNG.
std::vector<uint8_t> encode_like_photo(const Image& pasted, bool jpeg);
// The decoder's inputs for one record, checked against the model.
void record_to_inputs(const Model& m, const Record& r, const std::string& where, bool force, float* z, float* y);

struct ClassifyOptions {
    int batch = 64, threads = 1;
    double threshold = -1;  // < 0: probabilities
    bool summary_only = false;
};
void classify_images(const Model& m, const std::vector<std::string>& inputs, const ClassifyOptions& o,
                     const LineSink& emit);
// Classifies a labelled split; emits records (unless summary_only), then
// returns the summary line (accuracy per attribute against the labels).
std::string classify_dataset(const Model& m, const std::string& dir, const std::string& split,
                             const ClassifyOptions& o, const LineSink& emit);

}  // namespace ifgan
