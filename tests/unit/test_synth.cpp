#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/dataset.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"

using namespace ifgan;

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
    char tmpl[] = "/tmp/ifgan-synth-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    std::string dir = tmpl;
    SynthOptions o;
    o.out = dir;
    o.count = 20;
    o.seed = 5;
    o.size = 32;
    o.attrs = {"Eyeglasses", "Smiling"};
    o.threads = 2;
    write_synthetic_dataset(o);
    Dataset ds = load_dataset(dir);
    REQUIRE(ds.attrs == std::vector<std::string>{"Eyeglasses", "Smiling"});
    REQUIRE(ds.size() == 20);
    REQUIRE(ds.indices(kTest).size() == 2);
    REQUIRE(file_exists(dir + "/counterfactuals/000019_Smiling.png"));
    REQUIRE(file_exists(dir + "/counterfactuals/000020_Eyeglasses.png"));
    REQUIRE(!file_exists(dir + "/counterfactuals/000001_Smiling.png"));
    // Labels agree with the drawn parameters.
    for (size_t i = 0; i < 20; ++i) REQUIRE(bool(ds.label(i, 1)) == draw_face(5, i).attr[0]);
    // Byte-identical on a second run, and face 3 identical with a larger count.
    auto first = read_file(dir + "/img_align_celeba/000004.png");
    o.count = 30;
    o.out = dir + "/more";
    write_synthetic_dataset(o);
    REQUIRE(read_file(dir + "/more/img_align_celeba/000004.png") == first);
    REQUIRE_THROWS_AS([&] { o.attrs = {"Beard"}; write_synthetic_dataset(o); }(), UsageError);
    std::system(("rm -rf " + dir).c_str());
}
