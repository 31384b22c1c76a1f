#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/align.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"

using namespace ifgan;

TEST_CASE("fit_similarity recovers a known similarity; inverse and compose undo it") {
    Affine t = similarity(15, 1.7, 30, -12);
    const Landmarks& from = celeba_aligned_landmarks();
    Affine fit = fit_similarity(from, transform(t, from));
    for (auto [u, v] : {std::pair{fit.a, t.a}, {fit.b, t.b}, {fit.c, t.c}, {fit.d, t.d}, {fit.e, t.e}, {fit.f, t.f}})
        CHECK(u == Approx(v).margin(1e-9));
    Affine id = compose(inverse(t), t);
    CHECK(id.a == Approx(1));
    CHECK(id.e == Approx(1));
    CHECK(id.b == Approx(0).margin(1e-12));
    CHECK(id.c == Approx(0).margin(1e-9));
    CHECK(id.f == Approx(0).margin(1e-9));
    CHECK(t.scale() == Approx(1.7));
    CHECK_THROWS_AS(fit_similarity(Landmarks{}, from), Error);  // all points at the origin
}

TEST_CASE("Landmark files: CelebA's format, pixel indices read as centres, errors name the line") {
    std::string path = "test-landmarks.txt";
    std::map<std::string, Landmarks> m;
    m["a.jpg"] = {{10.5, 20.5, 15.5, 11.5, 19.5}, {30.5, 30.5, 35.5, 40.5, 40.5}};
    std::ofstream(path) << format_landmark_file(m);
    auto back = read_landmark_file(path);
    REQUIRE(back.count("a.jpg"));
    CHECK(back["a.jpg"].x == m["a.jpg"].x);
    CHECK(back["a.jpg"].y == m["a.jpg"].y);
    std::ofstream(path) << "2\nlefteye_x lefteye_y\na.jpg 1 2 3 4 5 6 7 8 9 10\nb.jpg 1 2 3\n";
    CHECK_THROWS_WITH(read_landmark_file(path), Catch::Contains("test-landmarks.txt:4:"));
    std::ofstream(path) << "1\na.jpg 1 2 3 4 5 6 7 8 9 x\n";
    CHECK_THROWS_WITH(read_landmark_file(path), Catch::Contains(":2: 'x' is not a number"));
    std::remove(path.c_str());
}

TEST_CASE("warp_affine: an integer shift moves pixels exactly; a shrink averages") {
    Image src(20, 10);
    for (size_t i = 0; i < src.rgb.size(); ++i) src.rgb[i] = uint8_t(i * 7);
    Affine shift;
    shift.c = -3, shift.f = -2;  // dst(x, y) = src(x + 3, y + 2)
    Image out = warp_affine(src, shift, 10, 5);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 10; ++x)
            for (int c = 0; c < 3; ++c) REQUIRE(out.at(x, y)[c] == src.at(x + 3, y + 2)[c]);
    Image checker(64, 64);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) std::fill(checker.at(x, y), checker.at(x, y) + 3, uint8_t((x + y) % 2 ? 255 : 0));
    Affine quarter;
    quarter.a = quarter.e = 0.25;
    Image small = warp_affine(checker, quarter, 16, 16);  // 4x4 samples a pixel: grey, not aliased
    for (uint8_t v : small.rgb) REQUIRE(std::abs(int(v) - 128) <= 2);
}

TEST_CASE("paste: the photo outside the face square is returned byte for byte") {
    Image photo(120, 90);
    Rng rng(3);
    for (auto& v : photo.rgb) v = uint8_t(rng.below(256));
    const int s = 16;
    Affine to_model = inverse(similarity(25, 3.0, 60, 15));  // the square: a 48-px rotated patch
    std::vector<float> delta(3 * s * s, 0.2f);
    Image out = paste_delta(photo, delta.data(), s, to_model, 2.0);
    int changed = 0, inside = 0;
    for (int y = 0; y < 90; ++y)
        for (int x = 0; x < 120; ++x) {
            double u, v;
            to_model.apply(x + 0.5, y + 0.5, u, v);
            bool in = u >= 0 && v >= 0 && u < s && v < s;
            inside += in;
            bool diff = std::memcmp(out.at(x, y), photo.at(x, y), 3) != 0;
            changed += diff;
            if (!in) REQUIRE_FALSE(diff);
            // Well inside the feathered edge the full change is added (unless clipped at 255).
            if (u > 3 && v > 3 && u < s - 3 && v < s - 3 && photo.at(x, y)[0] < 200)
                REQUIRE(out.at(x, y)[0] == photo.at(x, y)[0] + 51);
        }
    CHECK(inside > 1000);
    CHECK(changed > inside / 2);
    std::vector<float> zero(3 * s * s, 0.0f);
    CHECK(paste_delta(photo, zero.data(), s, to_model, 2.0).rgb == photo.rgb);
}

TEST_CASE("Wild photos: aligned by their true landmarks, they give back the face as rendered") {
    FaceParams p = draw_face(5, 17);
    WildPhoto w = make_wild_photo(p, 5, 17);
    CHECK(w.photo.width >= 256);
    CHECK(w.photo.width <= 640);
    const int size = 64;
    Image face = render_face(p, size);
    Affine t = fit_similarity(w.landmarks, face_landmarks(p, size));
    Image back = warp_affine(w.photo, t, size, size);
    // Compare the inner face (the tile's border meets the background).
    double err = 0;
    int n = 0;
    for (int y = 12; y < 52; ++y)
        for (int x = 12; x < 52; ++x)
            for (int c = 0; c < 3; ++c, ++n) err += std::abs(int(back.at(x, y)[c]) - int(face.at(x, y)[c]));
    CHECK(err / n < 12);
    // The counterfactual photo differs only inside the tile.
    FaceParams q = p;
    q.attr[kSmiling] = !q.attr[kSmiling];
    Image cf = wild_counterfactual(w, q, 5, 17);
    CHECK(cf.rgb != w.photo.rgb);
    CHECK(std::memcmp(cf.at(0, 0), w.photo.at(0, 0), 3) == 0);
}

TEST_CASE("paste with replace: the edit itself where the mask is 1, the photo untouched outside") {
    Image photo(120, 90);
    Rng rng(5);
    for (auto& v : photo.rgb) v = uint8_t(rng.below(256));
    const int s = 16;
    Affine to_model = inverse(similarity(-10, 3.0, 50, 10));
    std::vector<float> edit(3 * s * s, 0.6f), delta(3 * s * s, 0.1f), full(s * s, 1.0f), none(s * s, 0.0f);
    Image out = paste_delta(photo, delta.data(), s, to_model, 2.0, edit.data(), full.data());
    Image added = paste_delta(photo, delta.data(), s, to_model, 2.0, edit.data(), none.data());
    CHECK(added.rgb == paste_delta(photo, delta.data(), s, to_model, 2.0).rgb);  // mask 0: only the difference
    for (int y = 0; y < 90; ++y)
        for (int x = 0; x < 120; ++x) {
            double u, v;
            to_model.apply(x + 0.5, y + 0.5, u, v);
            if (!(u >= 0 && v >= 0 && u < s && v < s)) {
                REQUIRE(std::memcmp(out.at(x, y), photo.at(x, y), 3) == 0);
            } else if (u > 3 && v > 3 && u < s - 3 && v < s - 3) {
                REQUIRE(out.at(x, y)[1] == 153);  // 0.6 of 255, whatever the photo had
            }
        }
}

TEST_CASE("replace_mask: 1 where edit and reconstruction differ by the threshold, 0 far from it") {
    const int s = 12;
    std::vector<float> rec(3 * s * s, 0.5f), edit = rec;
    for (int c = 0; c < 3; ++c) edit[c * s * s + 6 * s + 6] = 0.5f + (c == 2 ? 0.3f : 0.0f);  // one pixel, one channel
    std::vector<float> m = replace_mask(edit.data(), rec.data(), s, 0.15);
    CHECK(m[6 * s + 6] == Approx(1.0));          // widened by one and smoothed over 3 x 3: still full at the centre
    CHECK(m[6 * s + 8] > 0.2f);                  // the smoothed edge reaches two pixels out
    CHECK(m[6 * s + 9] == 0.0f);                 // and no further
    CHECK(m[0] == 0.0f);
    std::vector<float> small = edit;
    small[2 * s * s + 6 * s + 6] = 0.5f + 0.07f;  // below half the threshold: nothing replaced
    for (float v : replace_mask(small.data(), rec.data(), s, 0.15)) REQUIRE(v == 0.0f);
}

TEST_CASE("square_bounds: the rectangle around a square's image") {
    auto b = square_bounds(Affine(), 10);
    CHECK(b == std::array<double, 4>{0, 0, 10, 10});
    b = square_bounds(similarity(90, 2, 5, 1), 10);  // turned a quarter, doubled, shifted
    CHECK(b[0] == Approx(-15));
    CHECK(b[1] == Approx(1));
    CHECK(b[2] == Approx(5));
    CHECK(b[3] == Approx(21));
    b = square_bounds(similarity(45, 1, 0, 0), 2);
    CHECK(b[0] == Approx(-std::sqrt(2.0)));
    CHECK(b[2] == Approx(std::sqrt(2.0)));
    CHECK(b[3] == Approx(2 * std::sqrt(2.0)));
}
