// Face geometry: five landmarks, the aligned frame they are warped onto, the
// similarity transforms between a photo and a model's input, warping, and
// pasting an edit back into the photo. No LibTorch here.
//
// Coordinates are continuous: pixel (i, j) covers [i, i+1) x [j, j+1), so
// its centre is (i + 0.5, j + 0.5).
#pragma once
#include <array>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "core/image.hpp"

namespace ifgan {

// x' = a x + b y + c, y' = d x + e y + f.
struct Affine {
    double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0;
    void apply(double x, double y, double& ox, double& oy) const {
        ox = a * x + b * y + c;
        oy = d * x + e * y + f;
    }
    double scale() const;  // sqrt(|det|): how much lengths grow
};
Affine inverse(const Affine& t);
// The upright rectangle around the image of the square [0, side]² under t:
// x0, y0, x1, y1.
std::array<double, 4> square_bounds(const Affine& t, double side);
// x' = s (cos a x - sin a y) + tx, y' = s (sin a x + cos a y) + ty, with a
// in degrees: a rotation, a uniform scale, then a shift.
Affine similarity(double degrees, double scale, double tx, double ty);
Affine compose(const Affine& second, const Affine& first);  // second(first(p))
std::array<double, 6> to_array(const Affine& t);
Affine affine_from_array(const std::array<double, 6>& v);

// Eye centres, nose tip, mouth corners, in CelebA's order: left eye (the one
// on the image's left), right eye, nose, left mouth corner, right mouth corner.
struct Landmarks {
    std::array<double, 5> x{}, y{};
};

// The crop-and-resize of a crop preset as a transform: photo pixels of a
// w x h photo -> the pixels of the size x size model input.
Affine crop_transform(Crop c, int w, int h, int size);

// CelebA's aligned frame: 178 x 218 with the landmarks at their typical
// positions in img_align_celeba.
constexpr int kAlignedWidth = 178, kAlignedHeight = 218;
const Landmarks& celeba_aligned_landmarks();
// Where a model wants the landmarks, in its size x size input: `frame` (the
// model's own, 10 numbers) when known, else CelebA's aligned landmarks seen
// through the celeba crop.
Landmarks model_frame(const std::vector<double>& frame, int size);

// A face of a photo warped onto CelebA's aligned frame by its landmarks;
// `box` is the frame's face region (the celeba crop) drawn back into the
// photo, as the upright rectangle around it.
struct AlignedFace {
    Image crop;  // kAlignedWidth x kAlignedHeight
    Affine to_aligned;
    Box box;
};
AlignedFace align_face(const Image& photo, const Landmarks& l);

// The least-squares similarity (rotation, uniform scale, translation; no
// reflection) taking `from` onto `to`.
Affine fit_similarity(const Landmarks& from, const Landmarks& to);
Landmarks transform(const Affine& t, const Landmarks& l);

// A CelebA landmark file (list_landmarks_celeba.txt or
// list_landmarks_align_celeba.txt): a count, a header, then one line per
// image: NAME x1 y1 ... x5 y5, pixel indices (read as the pixels' centres).
// Errors name FILE:LINE. Keyed by NAME.
std::map<std::string, Landmarks> read_landmark_file(const std::string& path);
// The landmark file of a data set's aligned images, beside its attributes
// (CelebA ships one, ifgan-synth writes one).
inline constexpr const char* kAlignedLandmarkFile = "list_landmarks_align_celeba.txt";
// An ifgan-align record (docs/formats.md, "Align records"): the aligned
// crop's id, the photo it came from, and the five landmarks in the photo.
// A record with "error" (no face found there), or one that lacks a field,
// is an Error naming `where`.
struct AlignRecord {
    std::string id, source;
    Landmarks landmarks;
};
AlignRecord parse_align_record(const std::string& line, const std::string& where);
// The same from a stream; `path` names it in messages.
std::map<std::string, Landmarks> parse_landmark_file(std::istream& in, const std::string& path);
std::string format_landmark_file(const std::map<std::string, Landmarks>& l);  // integers, as CelebA writes them

// out(p) = src(inverse(to_dst)(p)) for every pixel p of a w x h image,
// bilinear, with as many samples per pixel as the transform shrinks (so a
// large face becomes a small one without aliasing); outside src: edge pixels.
Image warp_affine(const Image& src, const Affine& to_dst, int w, int h);

// Adds an edit to a photo: `delta` is the decoder's edit minus its
// reconstruction, planar, s x s, in units of the [0,1] range; `to_model` maps
// photo pixels into that s x s square. The change fades to nothing over the
// outer `feather` of the square (in its pixels); every photo pixel whose
// centre maps outside the square is returned byte for byte.
// With `edit` (the decoded edit, planar s x s) and `replace` (one s x s
// plane in [0,1]), a photo pixel becomes the edit itself where replace is 1,
// and photo + delta where it is 0: an edit that removes a feature must also
// remove the photo's sharp version of it, which adding a blurry delta leaves.
Image paste_delta(const Image& photo, const float* delta, int s, const Affine& to_model, double feather,
                  const float* edit = nullptr, const float* replace = nullptr);
// Where the edit should replace the photo: 1 where the decoder's edit and
// reconstruction (planar s x s, [0,1]) differ by `threshold` or more in some
// channel, 0 below half of it, a ramp between; widened by a pixel and
// smoothed, so that it covers the edges of the feature being changed.
std::vector<float> replace_mask(const float* edit, const float* rec, int s, double threshold);

}  // namespace ifgan
