#include "serve/store.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "face/detect.hpp"

namespace ifgan {

std::string new_token() {
    static std::mutex mu;
    static std::random_device rd;
    std::lock_guard<std::mutex> lock(mu);
    static const char* hex = "0123456789abcdef";
    std::string t;
    for (int i = 0; i < 4; ++i) {
        uint32_t v = rd();
        for (int j = 0; j < 8; ++j, v >>= 4) t += hex[v & 15];
    }
    return t;
}

std::string digest(const std::vector<uint8_t>& bytes) {
    return hex16(fnv1a(bytes.data(), bytes.size())) + "-" + std::to_string(bytes.size());
}

PhotoStore::PhotoStore(const Model& m, const Model* judge, const FaceDetector* detector, const StoreOptions& o)
    : m_(m), judge_(judge), detector_(detector), o_(o), photos_(o.keep) {
    if (m.config().is_classifier()) throw Error(m.path() + ": a classifier cannot edit (give an ifgan model)");
}

void PhotoStore::remember_landmarks(const std::string& path, const Landmarks& l) { known_[digest(read_file(path))] = l; }

ServeFace PhotoStore::encode_face(const Image& photo, const Landmarks& l) const {
    const ModelConfig& c = m_.config();
    ServeFace f;
    f.to_model = landmarks_to_model(l, c);
    f.chw.resize(3 * size_t(c.size) * c.size);
    to_chw(warp_affine(photo, f.to_model, c.size, c.size), f.chw.data());
    f.z.resize(size_t(c.nz));
    f.y.resize(c.k());
    m_.encode(f.chw.data(), 1, false, 0, f.z.data(), f.y.data());
    f.square = square_bounds(inverse(f.to_model), double(c.size));  // where a paste may change the photo
    return f;
}

std::vector<ServeFace> PhotoStore::find_faces(const ServePhoto& p) const {
    auto known = known_.find(digest(p.bytes));
    if (known != known_.end()) return {encode_face(p.photo, known->second)};
    if (!detector_) throw ServeError(422, p.name + ": not one of the known photos, and no detector to find its face");
    std::vector<ServeFace> faces;
    for (const DetectedFace& d : detector_->detect(p.photo, o_.min_score)) {
        faces.push_back(encode_face(p.photo, d.marks));
        faces.back().score = std::round(d.score * 1000) / 1000;
        faces.back().detected = true;
    }
    if (faces.empty()) throw ServeError(422, p.name + ": no face found (the detector found none)");
    return faces;
}

std::shared_ptr<const ServePhoto> PhotoStore::add(std::vector<uint8_t> bytes, const std::string& name) {
    if (bytes.empty()) throw ServeError(400, name + ": empty upload (no image)");
    if (bytes.size() > o_.max_bytes)
        throw ServeError(413, name + ": " + std::to_string(bytes.size()) + " bytes is more than the limit of " +
                                  std::to_string(o_.max_bytes));
    if (!is_png(bytes.data(), bytes.size()) && !is_jpeg(bytes.data(), bytes.size()))
        throw ServeError(400, name + ": not a PNG or JPEG image");
    auto p = std::make_shared<ServePhoto>();
    p->name = name;
    try {
        int w = 0, h = 0;
        image_dimensions(bytes.data(), bytes.size(), name, w, h);
        if (size_t(w) * size_t(h) > max_image_pixels())
            throw ServeError(413, name + ": " + std::to_string(w) + "x" + std::to_string(h) +
                                      " pixels is more than the limit of " + std::to_string(max_image_pixels()) +
                                      " (IFGAN_MAX_PIXELS)");
        p->photo = decode_image(bytes.data(), bytes.size(), name);
    } catch (const ServeError&) {
        throw;
    } catch (const Error& e) {
        throw ServeError(400, e.what());
    }
    p->jpeg = is_jpeg(bytes.data(), bytes.size());
    p->bytes = std::move(bytes);
    p->faces = find_faces(*p);
    p->token = new_token();
    photos_.put(p->token, p);
    return p;
}

std::shared_ptr<const ServePhoto> PhotoStore::get(const std::string& token) {
    auto p = photos_.get(token);
    if (!p) throw ServeError(404, "no photo with token '" + token + "' (unknown, or dropped to make room: upload it again)");
    return p;
}

const ServeFace& PhotoStore::face(const ServePhoto& p, size_t index) {
    if (index >= p.faces.size())
        throw ServeError(400, "face " + std::to_string(index) + ": the photo has " + std::to_string(p.faces.size()) +
                                  (p.faces.size() == 1 ? " face" : " faces") + " (numbered from 0)");
    return p.faces[index];
}

EditResult PhotoStore::edit(const ServePhoto& p, size_t index, const std::vector<float>& y) const {
    const ModelConfig& c = m_.config();
    const ServeFace& f = face(p, index);
    if (y.size() != c.k()) throw ServeError(400, "the model has " + std::to_string(c.k()) + " attributes");
    const size_t pix = 3 * size_t(c.size) * c.size;
    std::vector<float> edit(pix), rec(pix);
    // As ifgan-decode --paste: the edit and the reconstruction from one pass.
    m_.edit(f.chw.data(), f.z.data(), f.y.data(), y.data(), 1, edit.data(), rec.data());
    EditResult r;
    r.jpeg = p.jpeg;
    r.image = encode_like_photo(paste_edit(p.photo, edit.data(), rec.data(), c.size, f.to_model, o_.style), p.jpeg);
    if (judge_) {
        std::vector<uint8_t> face_bytes(pix);
        bytes_from_unit_floats(edit.data(), pix, face_bytes.data());
        r.judge.resize(judge_->config().k());
        judge_->classify(face_bytes.data(), 1, r.judge.data());
    }
    return r;
}

}  // namespace ifgan
