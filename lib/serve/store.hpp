// ifgan-serve's work without HTTP: a photo is uploaded once, its faces found
// (by their landmarks when the photo is one of --photos with a landmark
// file, else by the detector), each face encoded once; then every edit
// decodes and pastes from what was kept. No LibTorch and no HTTP here.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/align.hpp"
#include "core/util.hpp"
#include "jobs/pipeline.hpp"
#include "serve/limits.hpp"

namespace ifgan {

class FaceDetector;

// An Error with the HTTP status that fits it.
struct ServeError : Error {
    int status;
    ServeError(int status, const std::string& what) : Error(what), status(status) {}
};

// The span the page's sliders offer; any finite value is accepted, as by
// ifgan-flip --set, and values outside [0, 1] extrapolate.
inline constexpr double kSliderMin = -1, kSliderMax = 2;

struct ServeFace {
    std::array<double, 4> square{};  // the model's input square drawn back into the photo: x0 y0 x1 y1
    double score = 0;                // the detector's (0 for landmarks from a file)
    bool detected = false;
    Affine to_model;
    std::vector<uint8_t> chw;  // the face as the encoder saw it (a decoder with skips reads it again)
    std::vector<float> z, y;   // the encoding: code and estimate
};

struct ServePhoto {
    std::string token, name;
    std::vector<uint8_t> bytes;  // as uploaded
    Image photo;
    bool jpeg = false;
    std::vector<ServeFace> faces;  // largest first
};

struct EditResult {
    std::vector<uint8_t> image;  // the photo with the edit pasted, in the photo's format
    bool jpeg = false;
    std::vector<float> judge;  // the judge's P(attribute | edited face), one per judge attribute; empty without one
};

struct StoreOptions {
    size_t keep = 16;                // photos kept; the least recently used is dropped
    size_t max_bytes = 32u << 20;    // an upload's largest size
    PasteStyle style;
    double min_score = 0.5;          // the detector's least score
};

class PhotoStore {
public:
    // `judge` and `detector` may be null (no judge; known photos only).
    PhotoStore(const Model& m, const Model* judge, const FaceDetector* detector, const StoreOptions& o);
    // The photo at `path` has its face at `l`: an upload of the same bytes
    // takes these landmarks instead of detecting.
    void remember_landmarks(const std::string& path, const Landmarks& l);
    // Decodes, finds and encodes the faces, keeps the photo under a new
    // token. ServeError: 413 too many bytes or pixels, 400 not an image,
    // 422 no face.
    std::shared_ptr<const ServePhoto> add(std::vector<uint8_t> bytes, const std::string& name);
    // 404 when the token is unknown or was dropped.
    std::shared_ptr<const ServePhoto> get(const std::string& token);
    // Face `index` of the photo; 400 naming the count when there is none.
    static const ServeFace& face(const ServePhoto& p, size_t index);
    // Face `index` of the photo decoded with the attributes `y` (one per model
    // attribute) and pasted into the photo, as ifgan-decode --paste does.
    EditResult edit(const ServePhoto& p, size_t index, const std::vector<float>& y) const;
    const Model& model() const { return m_; }
    const Model* judge() const { return judge_; }
    size_t max_bytes() const { return o_.max_bytes; }

private:
    std::vector<ServeFace> find_faces(const ServePhoto& p) const;
    ServeFace encode_face(const Image& photo, const Landmarks& l) const;
    const Model& m_;
    const Model* judge_;
    const FaceDetector* detector_;
    StoreOptions o_;
    std::map<std::string, Landmarks> known_;  // digest -> landmarks
    LruTokens<ServePhoto> photos_;
};

// A 128-bit random token, as 32 hex digits.
std::string new_token();
// The bytes' FNV-1a and their count: which known photo an upload is.
std::string digest(const std::vector<uint8_t>& bytes);

}  // namespace ifgan
