// Synthetic faces with known ground truth: every face is a set of drawn
// parameters, and an attribute touches only its own region, so the true
// counterfactual of an edit is the same parameters rendered with it flipped.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/align.hpp"
#include "core/image.hpp"

namespace ifgan {

// The attributes the generator knows, in this fixed order: FaceParams::attr
// is indexed by SynthAttr, the names by the same numbers.
enum SynthAttr : int { kSmiling = 0, kEyeglasses = 1, kWearingHat = 2, kSynthAttrCount = 3 };
const std::vector<std::string>& synth_attribute_names();

struct Rgb {
    double r, g, b;
};

struct FaceParams {
    uint64_t seed = 0;  // for the per-pixel noise
    // Placement of the whole face in the image.
    double shift_x, shift_y, scale, tilt;
    // Head.
    double face_rx, face_ry;
    Rgb skin, background, shirt, hair, eye_color, frame_color, hat_color;
    int hair_style;  // 0 short, 1 long, 2 bangs, 3 bald
    double eye_y, eye_spacing, eye_size;
    double brow_lift, brow_tilt, brow_thick;
    double nose_len, nose_width;
    double ear_size;
    double mouth_y, mouth_w;
    double light_x, light_y, light_amp, noise;
    // Attributes, indexed by SynthAttr.
    bool attr[kSynthAttrCount];
};

// Face `index` of the stream for `seed`: independent of how many are drawn.
FaceParams draw_face(uint64_t seed, uint64_t index);
// The face's five landmarks (docs/formats.md) in an image of side `size`:
// the eye centres, the nose tip, the mouth corners (which rise and widen
// with a smile, as real ones do).
Landmarks face_landmarks(const FaceParams& p, int size);
Image render_face(const FaceParams& p, int size);
// The face drawn into a width x height image, its square (render_face's whole
// image) at `square`; what lies outside the square continues the scene.
Image render_face_in_frame(const FaceParams& p, int width, int height, Box square);
constexpr int kCelebaWidth = 178, kCelebaHeight = 218, kCelebaJpegQuality = 90;
nlohmann::json face_params_object(const FaceParams& p);  // the parameters, as identities.jsonl holds them
std::string face_params_json(const FaceParams& p);       // the same, as text

// A face placed into a larger photo (256 to 640 px a side, textured
// background, the face 35-70% of the shorter side, rotated up to 20 degrees)
// with its true landmarks. Face `index` of a seed always lands the same way.
struct WildPhoto {
    Image photo, background;
    Landmarks landmarks;
    int layout_tile = 0;
};
WildPhoto make_wild_photo(const FaceParams& p, uint64_t seed, uint64_t index);
// The same photo with the face's parameters q (an attribute flipped).
Image wild_counterfactual(const WildPhoto& w, const FaceParams& q, uint64_t seed, uint64_t index);

struct SynthOptions {
    std::string out;
    size_t count = 1000;
    uint64_t seed = 1;
    int size = 64;
    std::vector<std::string> attrs;  // subset of synth_attribute_names(); others are always off
    int threads = 1;
    size_t wild = 0;         // photos in the wild made from the first test faces (wild/)
    bool only_wild = false;  // write only those (the data set exists)
    // 178x218 JPEGs in CelebA's geometry and split proportions (size unused).
    bool celeba_frame = false;
    std::function<void(size_t done, size_t total)> progress;
};
// A sheet of faces 0..count-1 of the stream, each beside its counterfactual
// for attribute `attr` (pairs side by side, 8 pairs per row).
Image synth_contact_sheet(uint64_t seed, int count, int size, const std::string& attr);

// The split of face i: default_split, or celeba_split with celeba_frame.
int synth_split(const SynthOptions& opt, size_t i);

// Writes the CelebA layout, identities.jsonl and counterfactuals/ (test split).
void write_synthetic_dataset(const SynthOptions& opt);

}  // namespace ifgan
