// The face detector on a real photo (scikit-image's astronaut.png, fetched
// by scripts/photos.sh into $IFGAN_PHOTOS): the eyes against positions
// measured by hand, also after the photo is rotated, scaled and moved; a photo
// without a face; two faces in one photo, largest first.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>

#include "core/align.hpp"
#include "core/image.hpp"
#include "face/detect.hpp"

using namespace ifgan;

namespace {

std::string photo(const std::string& name) {
    const char* dir = std::getenv("IFGAN_PHOTOS");
    REQUIRE(dir != nullptr);  // make test-unit sets it
    return std::string(dir) + "/" + name;
}

const FaceDetector& detector() {
    static FaceDetector d(default_landmark_model());
    return d;
}

// Eye centres read off astronaut.png at 10x zoom (the iris's middle).
const double kEyeX[2] = {203.5, 247.0}, kEyeY[2] = {101.5, 103.5};

}  // namespace

TEST_CASE("five_from_68 takes eye means, the nose tip and the mouth corners") {
    std::vector<double> xy(136, 0);
    for (int i = 36; i < 42; ++i) xy[2 * i] = 10 + i - 36, xy[2 * i + 1] = 20;  // mean x 12.5
    for (int i = 42; i < 48; ++i) xy[2 * i] = 40, xy[2 * i + 1] = 18 + i - 42;  // mean y 20.5
    xy[60] = 25, xy[61] = 30, xy[96] = 15, xy[97] = 40, xy[108] = 35, xy[109] = 41;
    Landmarks l = five_from_68(xy);
    CHECK(l.x[0] == Approx(12.5));
    CHECK(l.y[1] == Approx(20.5));
    CHECK((l.x[2] == 25 && l.y[2] == 30 && l.x[3] == 15 && l.y[3] == 40 && l.x[4] == 35 && l.y[4] == 41));
    CHECK_THROWS(five_from_68(std::vector<double>(10)));
}

TEST_CASE("the detector finds the astronaut's eyes within 3 px of the hand-measured ones") {
    Image img = read_image(photo("astronaut.png"));
    std::vector<DetectedFace> faces = detector().detect(img);
    REQUIRE(faces.size() == 1);
    for (int e = 0; e < 2; ++e) {
        CHECK(std::hypot(faces[0].marks.x[e] - kEyeX[e], faces[0].marks.y[e] - kEyeY[e]) < 3.0);
    }
    // The box holds the five landmarks.
    for (int i = 0; i < 5; ++i) {
        CHECK(faces[0].marks.x[i] > faces[0].box.x);
        CHECK(faces[0].marks.x[i] < faces[0].box.x + faces[0].box.w);
    }
}

TEST_CASE("the detector follows the face through rotation, scale and translation") {
    Image img = read_image(photo("astronaut.png"));
    struct Case { double angle, scale, tx, ty; };
    for (Case c : {Case{12, 0.8, 60, -20}, Case{-15, 1.3, -90, -10}, Case{0, 0.5, 20, 30}}) {
        Affine t = similarity(c.angle, c.scale, c.tx, c.ty);
        Image moved = warp_affine(img, t, 512, 512);
        std::vector<DetectedFace> faces = detector().detect(moved);
        REQUIRE(faces.size() >= 1);
        for (int e = 0; e < 2; ++e) {
            double x, y;
            t.apply(kEyeX[e], kEyeY[e], x, y);
            INFO("angle " << c.angle << " scale " << c.scale << " eye " << e);
            CHECK(std::hypot(faces[0].marks.x[e] - x, faces[0].marks.y[e] - y) < 3.0 * std::max(1.0, c.scale));
        }
    }
}

TEST_CASE("no face in the coffee photo; two faces come largest first") {
    CHECK(detector().detect(read_image(photo("coffee.png"))).empty());
    Image img = read_image(photo("astronaut.png"));
    Image two(900, 512, 128);
    Image small = resize(img, 358, 358);
    for (int y = 0; y < 512; ++y)
        for (int x = 0; x < 512; ++x) std::copy(img.at(x, y), img.at(x, y) + 3, two.at(x, y));
    for (int y = 0; y < 358; ++y)
        for (int x = 0; x < 358; ++x) std::copy(small.at(x, y), small.at(x, y) + 3, two.at(530 + x, 100 + y));
    std::vector<DetectedFace> faces = detector().detect(two);
    REQUIRE(faces.size() == 2);
    CHECK(faces[0].marks.x[0] < 512);
    CHECK(faces[1].marks.x[0] > 530);
    CHECK(faces[0].box.w > faces[1].box.w);
}

TEST_CASE("a missing or wrong landmark model is a one-line error naming it") {
    CHECK_THROWS_WITH(FaceDetector("/nonexistent/model.dat"), Catch::Contains("/nonexistent/model.dat"));
    CHECK_THROWS_WITH(FaceDetector(photo("coffee.png")), Catch::Contains("not a dlib shape predictor"));
}
