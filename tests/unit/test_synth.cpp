#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/align.hpp"
#include "core/dataset.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"

using namespace ifgan;

namespace {

// Options for a small data set of `count` faces in a fresh temporary directory.
SynthOptions small_set(size_t count, uint64_t seed, std::vector<std::string> attrs) {
    char tmpl[] = "/tmp/ifgan-synth-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    SynthOptions o;
    o.out = tmpl;
    o.count = count;
    o.seed = seed;
    o.attrs = std::move(attrs);
    o.threads = 2;
    return o;
}

}  // namespace

TEST_CASE("synthetic faces are deterministic and independent of the count") {
    FaceParams a = draw_face(7, 12), b = draw_face(7, 12), c = draw_face(8, 12);
    REQUIRE(face_params_json(a) == face_params_json(b));
    REQUIRE(face_params_json(a) != face_params_json(c));
    REQUIRE(render_face(a, 64).rgb == render_face(b, 64).rgb);
}

TEST_CASE("an attribute changes only its own region") {
    // Over several faces: the Smiling flip changes pixels only in the lower
    // half of the face, and Wearing_Hat only in the upper half.
    for (uint64_t i = 0; i < 8; ++i) {
        FaceParams p = draw_face(3, i);
        for (int a = 0; a < 3; ++a) {
            FaceParams q = p;
            q.attr[a] = !q.attr[a];
            Image x = render_face(p, 64), y = render_face(q, 64);
            size_t changed = 0, changed_top = 0, changed_bottom = 0;
            for (int yy = 0; yy < 64; ++yy)
                for (int xx = 0; xx < 64; ++xx) {
                    bool d = false;
                    for (int c = 0; c < 3; ++c) d |= x.at(xx, yy)[c] != y.at(xx, yy)[c];
                    changed += d;
                    (yy < 32 ? changed_top : changed_bottom) += d;
                }
            INFO("face " << i << " attribute " << a);
            REQUIRE(changed > 40);  // the attribute is visible
            REQUIRE(changed < 64 * 64 / 4);
            if (a == 0) REQUIRE(changed_top < changed / 5);     // mouth: mostly lower half
            if (a == 2) REQUIRE(changed_bottom < changed / 5);  // hat: mostly upper half
        }
    }
}

TEST_CASE("write_synthetic_dataset writes a readable CelebA layout with counterfactuals") {
    SynthOptions o = small_set(20, 5, {"Eyeglasses", "Smiling"});
    const std::string dir = o.out;
    o.size = 32;
    write_synthetic_dataset(o);
    Dataset ds = load_dataset(dir);
    REQUIRE(ds.attrs == std::vector<std::string>{"Eyeglasses", "Smiling"});
    REQUIRE(ds.size() == 20);
    REQUIRE(ds.indices(kTest).size() == 2);
    REQUIRE(file_exists(dir + "/counterfactuals/000019_Smiling.png"));
    REQUIRE(file_exists(dir + "/counterfactuals/000020_Eyeglasses.png"));
    REQUIRE(!file_exists(dir + "/counterfactuals/000001_Smiling.png"));
    // Labels agree with the drawn parameters.
    for (size_t i = 0; i < 20; ++i) REQUIRE(bool(ds.label(i, 1)) == draw_face(5, i).attr[kSmiling]);
    // Byte-identical on a second run, and face 3 identical with a larger count.
    auto first = read_file(dir + "/img_align_celeba/000004.png");
    o.count = 30;
    o.out = dir + "/more";
    write_synthetic_dataset(o);
    REQUIRE(read_file(dir + "/more/img_align_celeba/000004.png") == first);
    REQUIRE_THROWS_AS([&] { o.attrs = {"Beard"}; write_synthetic_dataset(o); }(), UsageError);
    std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("a face in CelebA's frame: the celeba crop cuts out the plain face") {
    FaceParams p = draw_face(9, 4);
    p.noise = 0;  // the noise stream runs over the whole frame, so differs from the square's
    const Box sq = crop_box(Crop::celeba, kCelebaWidth, kCelebaHeight);
    REQUIRE(sq.w == 148);
    Image frame = render_face_in_frame(p, kCelebaWidth, kCelebaHeight, sq);
    REQUIRE(frame.width == 178);
    REQUIRE(frame.height == 218);
    REQUIRE(crop(frame, sq).rgb == render_face(p, sq.w).rgb);
    // Outside the square the scene goes on: the background colour at the top
    // corners, not black.
    const uint8_t* corner = frame.at(2, 2);
    REQUIRE(int(corner[0]) + corner[1] + corner[2] > 30);
}

TEST_CASE("--celeba-frame writes 178x218 JPEGs, frame landmarks and CelebA's split proportions") {
    SynthOptions o = small_set(40, 2, {"Smiling"});
    const std::string dir = o.out;
    o.celeba_frame = true;
    write_synthetic_dataset(o);
    Dataset ds = load_dataset(dir);
    REQUIRE(ds.files[0] == "000001.jpg");
    Image first = read_image(ds.path(0));
    REQUIRE(first.width == 178);
    REQUIRE(first.height == 218);
    REQUIRE(ds.indices(kTrain).size() == 32);  // 40 x 162770 / 202599 = 32.1
    REQUIRE(ds.indices(kVal).size() == 4);
    REQUIRE(ds.indices(kTest).size() == 4);
    REQUIRE(file_exists(dir + "/counterfactuals/000040_Smiling.jpg"));
    // The landmark file is in frame pixels: the eyes sit in the celeba square.
    auto marks = read_landmark_file(dir + "/list_landmarks_align_celeba.txt");
    Landmarks l = marks.at("000001.jpg"), plain = face_landmarks(draw_face(2, 0), 148);
    REQUIRE(std::abs(l.x[0] - (plain.x[0] + 15)) <= 0.5);
    REQUIRE(std::abs(l.y[0] - (plain.y[0] + 40)) <= 0.5);
    std::system(("rm -rf " + dir).c_str());
}
