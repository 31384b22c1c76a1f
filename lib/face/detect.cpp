#include "face/detect.hpp"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <future>
#include <istream>
#include <streambuf>

#include "core/util.hpp"

namespace ifgan {

std::string default_landmark_model() {
    const char* env = std::getenv("IFGAN_LANDMARK_MODEL");
    if (env && *env) return env;
    return "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
}

struct FaceDetector::Impl {
    dlib::frontal_face_detector detector;
    dlib::shape_predictor predictor;
};

namespace {

// A mapped file as a stream: dlib reads its models one small integer at a
// time, which from an ifstream costs twice as long (1.1 s against 0.5 s for
// the 68-point model, measured).
class MappedStream : public std::streambuf {
public:
    explicit MappedStream(const MappedFile& f) {
        char* p = reinterpret_cast<char*>(const_cast<uint8_t*>(f.data()));
        setg(p, p, p + f.size());  // only ever read
    }

protected:
    // dlib reads each number with sgetn: a plain copy, without the base
    // class's general loop.
    std::streamsize xsgetn(char* out, std::streamsize n) override {
        std::streamsize k = std::min<std::streamsize>(n, egptr() - gptr());
        std::memcpy(out, gptr(), size_t(k));
        gbump(int(k));
        return k;
    }
};

}  // namespace

FaceDetector::FaceDetector(const std::string& path) : impl_(new Impl) {
    if (!file_exists(path))
        throw Error(path + ": cannot open the landmark model (install libdlib-data, or set IFGAN_LANDMARK_MODEL)");
    // The detector unpacks itself from a string built into dlib (0.3 s); the
    // shape predictor is read meanwhile (0.5 s).
    std::future<dlib::frontal_face_detector> detector =
        std::async(std::launch::async, [] { return dlib::get_frontal_face_detector(); });
    try {
        MappedFile file(path, true);
        MappedStream stream(file);
        std::istream in(&stream);
        dlib::deserialize(impl_->predictor, in);
    } catch (const std::exception&) {
        detector.wait();
        throw Error(path + ": not a dlib shape predictor");
    }
    impl_->detector = detector.get();
    if (impl_->predictor.num_parts() != 68)
        throw Error(path + ": a " + std::to_string(impl_->predictor.num_parts()) +
                    "-point model; the 68-point iBUG layout is needed");
}

FaceDetector::~FaceDetector() = default;

Landmarks five_from_68(const std::vector<double>& xy) {
    if (xy.size() != 136) throw Error("five_from_68: 68 points expected");
    auto px = [&](int i) { return xy[2 * i]; };
    auto py = [&](int i) { return xy[2 * i + 1]; };
    Landmarks l;
    for (int e = 0; e < 2; ++e) {  // 36-41: the eye on the image's left; 42-47: the other
        double sx = 0, sy = 0;
        for (int i = 36 + 6 * e; i < 42 + 6 * e; ++i) sx += px(i), sy += py(i);
        l.x[e] = sx / 6, l.y[e] = sy / 6;
    }
    const int rest[3] = {30, 48, 54};
    for (int k = 0; k < 3; ++k) l.x[2 + k] = px(rest[k]), l.y[2 + k] = py(rest[k]);
    return l;
}

static dlib::array2d<dlib::rgb_pixel> to_dlib(const Image& img) {
    dlib::array2d<dlib::rgb_pixel> out(img.height, img.width);
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) {
            const uint8_t* p = img.at(x, y);
            out[y][x] = dlib::rgb_pixel(p[0], p[1], p[2]);
        }
    return out;
}

// The detector's faces at `scale` detection pixels per photo pixel. The
// detector keeps scratch space while it scans, so each call scans with its
// own copy (a few small filters): detect() can run on many threads at once.
static std::vector<dlib::rect_detection> scan(const dlib::frontal_face_detector& shared,
                                              const dlib::array2d<dlib::rgb_pixel>& img, double min_score) {
    dlib::frontal_face_detector detector = shared;
    std::vector<dlib::rect_detection> found;
    detector(img, found, min_score);
    return found;
}

std::vector<DetectedFace> FaceDetector::detect(const Image& photo, double min_score, int upsample_below) const {
    dlib::array2d<dlib::rgb_pixel> img = to_dlib(photo);
    double scale = 1;  // detection pixels per photo pixel
    std::vector<dlib::rect_detection> found = scan(impl_->detector, img, min_score);
    if (found.empty() && std::min(photo.width, photo.height) < upsample_below) {
        // Upsampled by our own resize (pixel centres map exactly: x_up = 2 x),
        // not dlib's pyramid_up, whose corner-to-corner stretch shifts points.
        scale = 2;
        img = to_dlib(resize(photo, 2 * photo.width, 2 * photo.height));
        found = scan(impl_->detector, img, min_score);
    }
    std::vector<DetectedFace> faces;
    for (const dlib::rect_detection& d : found) {
        dlib::full_object_detection shape = impl_->predictor(img, d.rect);
        std::vector<double> xy(136);
        for (int i = 0; i < 68; ++i) {  // dlib's points are pixel indices: +0.5 for centres
            xy[2 * i] = (shape.part(i).x() + 0.5) / scale;
            xy[2 * i + 1] = (shape.part(i).y() + 0.5) / scale;
        }
        DetectedFace f;
        f.box = {int(std::lround(d.rect.left() / scale)), int(std::lround(d.rect.top() / scale)),
                 int(std::lround(d.rect.width() / scale)), int(std::lround(d.rect.height() / scale))};
        f.score = d.detection_confidence;
        f.marks = five_from_68(xy);
        faces.push_back(f);
    }
    std::stable_sort(faces.begin(), faces.end(),
                     [](const DetectedFace& a, const DetectedFace& b) { return a.box.w * a.box.h > b.box.w * b.box.h; });
    return faces;
}

}  // namespace ifgan
