// Face detection and landmarks for photos of any size: dlib's HOG frontal
// face detector finds the faces, dlib's 68-point shape predictor places the
// points, and the five landmarks the aligner uses (eye centres, nose tip,
// mouth corners) are taken from them. Its own archive, linked only by
// ifgan-align, so the other tools never load dlib.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/align.hpp"
#include "core/image.hpp"

namespace ifgan {

struct DetectedFace {
    Box box;            // the detector's square, in photo pixels
    double score = 0;   // the detector's confidence (larger is surer)
    Landmarks marks;    // the five landmarks, in continuous photo coordinates
};

// Where Debian's libdlib-data puts the 68-point model; IFGAN_LANDMARK_MODEL
// overrides it.
std::string default_landmark_model();

class FaceDetector {
public:
    // Loads the shape predictor (about 0.1 GB); errors name the file.
    explicit FaceDetector(const std::string& landmark_model);
    ~FaceDetector();
    FaceDetector(const FaceDetector&) = delete;
    FaceDetector& operator=(const FaceDetector&) = delete;
    // Every face found with a score of at least `min_score`, largest first.
    // When none is found and the photo's shorter side is below
    // `upsample_below` pixels, it is searched again at twice its size, since
    // the detector's window is 80 px and smaller faces would be missed.
    // Safe to call from several threads at once. The default least score,
    // 0.5 where dlib's own is 0, is measured in ifgan-align(1): on turned and
    // scaled copies of a real photo it dropped every false detection and no
    // true face.
    static constexpr double kMinScore = 0.5;
    std::vector<DetectedFace> detect(const Image& photo, double min_score = kMinScore, int upsample_below = 800) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The five landmarks from the 68 points of the iBUG 300-W layout (x, y
// interleaved, 136 numbers): each eye's centre is the mean of its six points,
// the nose tip is point 30, the mouth corners points 48 and 54.
Landmarks five_from_68(const std::vector<double>& xy);

}  // namespace ifgan
