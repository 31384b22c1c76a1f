// The evaluator behind the README's numbers, against known answers: the
// truth itself given as the edits (an oracle editor) and an oracle judge
// that knows every image it is shown.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "core/dataset.hpp"
#include "core/image.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"
#include "jobs/evaluate.hpp"

using namespace ifgan;

namespace {

struct Oracle {
    std::map<uint64_t, std::vector<float>> labels;  // image bytes -> its attributes
    std::map<uint64_t, std::vector<uint8_t>> flipped;  // test face bytes -> its Smiling counterfactual's
    std::vector<std::vector<uint8_t>> faces;  // every face; the oracle's code z is its index here
    std::map<uint64_t, float> index;
    size_t pix = 0;
    static uint64_t key(const uint8_t* chw, size_t pix) { return fnv1a(chw, pix); }
};

Oracle make_oracle(const std::string& dir, int size) {
    Oracle o;
    o.pix = 3 * size_t(size) * size;
    Dataset ds = load_dataset(dir, synth_attribute_names());
    std::vector<uint8_t> chw(o.pix), cf(o.pix);
    for (size_t i = 0; i < ds.size(); ++i) {
        to_chw(load_prepared(join_path(dir, "img_align_celeba/" + ds.files[i]), Crop::none, size), chw.data());
        std::vector<float> y(ds.k());
        for (size_t a = 0; a < ds.k(); ++a) y[a] = float(ds.label(i, a));
        o.labels[Oracle::key(chw.data(), o.pix)] = y;
        o.index[Oracle::key(chw.data(), o.pix)] = float(o.faces.size());
        o.faces.push_back(chw);
        const std::string f = join_path(dir, "counterfactuals/" + stem(ds.files[i]) + "_Smiling.png");
        if (!file_exists(f)) continue;
        to_chw(load_prepared(f, Crop::none, size), cf.data());
        y[0] = 1 - y[0];  // Smiling is the first attribute
        o.labels[Oracle::key(cf.data(), o.pix)] = y;
        o.flipped[Oracle::key(chw.data(), o.pix)] = cf;
    }
    return o;
}

// What the oracle editor draws: the originals, the truth, or the truth for
// edits to 1 alone (the originals where an attribute is removed).
enum class Edits { none, truth, truth_to_1 };

EvalSubject oracle_subject(const Oracle& o, int size, Edits edits) {
    EvalSubject s;
    s.model.size = size;
    s.model.nz = 1;
    s.model.crop = "none";
    s.model.attrs = {"Smiling"};
    s.judge_attrs = synth_attribute_names();
    s.encode = [&o](const uint8_t* chw, size_t n, float* z, float* y) {
        for (size_t i = 0; i < n; ++i) {
            const uint64_t k = Oracle::key(chw + i * o.pix, o.pix);
            z[i] = o.index.at(k), y[i] = o.labels.at(k)[0];
        }
    };
    s.edit = [&o, edits](const uint8_t* chw, const float*, const float* from, const float* to, size_t n, float* out) {
        for (size_t i = 0; i < n; ++i) {
            const uint8_t* face = chw + i * o.pix;
            const bool flips = (to[i] >= 0.5f) != (from[i] >= 0.5f);
            const bool changed = flips && (edits == Edits::truth || (edits == Edits::truth_to_1 && to[i] >= 0.5f));
            unit_floats_from_bytes(changed ? o.flipped.at(Oracle::key(face, o.pix)).data() : face, o.pix, out + i * o.pix);
        }
    };
    s.judge = [&o](const uint8_t* chw, size_t n, float* probs) {
        for (size_t i = 0; i < n; ++i) {
            const std::vector<float>& y = o.labels.at(Oracle::key(chw + i * o.pix, o.pix));
            std::copy(y.begin(), y.end(), probs + i * y.size());
        }
    };
    return s;
}

// A decoder without maps that draws each face from its code z (its index),
// blurred by a 3 x 3 binomial filter where the face smiles (a box would
// turn the finest detail's sign, a binomial filter only weakens it) and exact where it does not.
void blur_smiling_faces(const Oracle& o, int size, EvalSubject& s) {
    s.decode = [&o, size](const float* z, const float*, size_t n, float* out) {
        const size_t plane = size_t(size) * size;
        for (size_t i = 0; i < n; ++i) {
            const std::vector<uint8_t>& face = o.faces.at(size_t(z[i]));
            const bool smiles = o.labels.at(Oracle::key(face.data(), o.pix))[0] >= 0.5f;
            float* dst = out + i * o.pix;
            for (size_t c = 0; c < 3; ++c)
                for (int y = 0; y < size; ++y)
                    for (int x = 0; x < size; ++x) {
                        double sum = 0, weights = 0;
                        for (int dy = -1; dy <= 1; ++dy)
                            for (int dx = -1; dx <= 1; ++dx) {
                                const int yy = y + dy, xx = x + dx;
                                if (!smiles && (dy || dx)) continue;
                                if (yy < 0 || yy >= size || xx < 0 || xx >= size) continue;
                                const double w = (2 - std::abs(dx)) * (2 - std::abs(dy));
                                sum += w * face[c * plane + size_t(yy) * size + xx], weights += w;
                            }
                        dst[c * plane + size_t(y) * size + x] = float(sum / weights / 255.0);
                    }
        }
    };
}

}  // namespace

TEST_CASE("the evaluator: the truth as the edits scores perfectly, the originals score no edit") {
    char tmpl[] = "/tmp/ifgan-eval-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string dir = std::string(tmpl) + "/faces";
    SynthOptions so;
    so.out = dir;
    so.count = 120;
    so.size = 32;
    so.seed = 4;
    so.attrs = synth_attribute_names();
    write_synthetic_dataset(so);
    Oracle oracle = make_oracle(dir, 32);
    REQUIRE(!oracle.flipped.empty());
    EvalOptions o;
    o.data = dir;
    o.mlp_probe = false;
    o.batch = 7;  // batches that do not divide the split

    const auto truth = evaluate(o, oracle_subject(oracle, 32, Edits::truth)).report;
    CHECK(truth["reconstruction"]["mse"] == 0.0);
    const auto& a = truth["attributes"]["Smiling"];
    CHECK(a["accuracy"] == 1.0);
    CHECK(a["edit"]["to_1"] == 1.0);
    CHECK(a["edit"]["to_0"] == 1.0);
    CHECK(a["edit"]["flip"] == 1.0);
    CHECK(a["preservation"]["vs_original"] == 1.0);
    const auto& cf = a["counterfactual"];
    CHECK(cf["count"] == oracle.flipped.size());
    CHECK(cf["edit_mse"] == 0.0);
    CHECK(cf["ratio"] == 0.0);  // no error, against a reconstruction without error
    CHECK(cf["edit_ssim"].get<double>() == Approx(1.0));
    CHECK(cf["sharpness"].get<double>() == Approx(1.0));
    CHECK(cf["detail"].get<double>() == Approx(1.0));
    CHECK(cf["grid"]["ratio"].get<double>() == Approx(1.0));
    for (const char* to : {"to_1", "to_0"}) {
        CHECK(cf["change_made"][to]["made"].get<double>() == Approx(1.0));
        CHECK(cf["change_made"][to]["stray"].get<double>() == Approx(0.0).margin(1e-9));
        CHECK(cf["sharpness_by_edit"][to]["sharpness"].get<double>() == Approx(1.0));
        CHECK(cf["sharpness_by_edit"][to]["detail"].get<double>() == Approx(1.0));
    }
    // Without a decoder of its own the editor's reconstruction stands for
    // it: here the face itself, as sharp as the face where a smile changes it.
    for (const char* label : {"label_1", "label_0"}) {
        CHECK(cf["decoder_alone"][label]["sharpness"].get<double>() == Approx(1.0));
        CHECK(cf["decoder_alone"][label]["detail"].get<double>() == Approx(1.0));
    }

    // A decoder that blurs the smiling faces: the faces with a smile score
    // below 1, those without score 1, and the edits' measures are untouched.
    EvalSubject blurring = oracle_subject(oracle, 32, Edits::truth);
    blur_smiling_faces(oracle, 32, blurring);
    const auto blurred = evaluate(o, blurring).report["attributes"]["Smiling"]["counterfactual"];
    CHECK(blurred["decoder_alone"]["label_1"]["sharpness"].get<double>() < 0.5);
    CHECK(blurred["decoder_alone"]["label_1"]["detail"].get<double>() < 0.95);
    CHECK(blurred["decoder_alone"]["label_1"]["detail"].get<double>() > 0.3);  // blurred, in the right place
    CHECK(blurred["decoder_alone"]["label_0"]["sharpness"].get<double>() == Approx(1.0));
    CHECK(blurred["decoder_alone"]["label_0"]["detail"].get<double>() == Approx(1.0));
    CHECK(blurred["sharpness"].get<double>() == Approx(1.0));

    const auto none = evaluate(o, oracle_subject(oracle, 32, Edits::none)).report;
    const auto& b = none["attributes"]["Smiling"];
    CHECK(b["edit"]["flip"] == 0.0);
    CHECK(b["edit"]["to_1"] == 0.0);
    CHECK(b["edit"]["to_0"] == 0.0);
    CHECK(b["preservation"]["vs_original"] == 1.0);
    CHECK(b["counterfactual"]["edit_mse"].get<double>() > 1e-4);  // the original is not its counterfactual
    for (const char* to : {"to_1", "to_0"}) {  // no change made, and none besides
        CHECK(b["counterfactual"]["change_made"][to]["made"].get<double>() == Approx(0.0).margin(1e-9));
        CHECK(b["counterfactual"]["change_made"][to]["stray"].get<double>() == Approx(0.0).margin(1e-9));
    }
    CHECK(b["counterfactual"]["edit_ssim"].get<double>() < 1.0);

    // The truth where a smile is added, the original where one is removed:
    // each direction measured apart, and the pooled figure between them.
    const auto half = evaluate(o, oracle_subject(oracle, 32, Edits::truth_to_1)).report;
    const auto& h = half["attributes"]["Smiling"]["counterfactual"];
    CHECK(h["sharpness_by_edit"]["to_1"]["sharpness"].get<double>() == Approx(1.0));
    CHECK(h["sharpness_by_edit"]["to_1"]["detail"].get<double>() == Approx(1.0));
    const double removed = h["sharpness_by_edit"]["to_0"]["detail"].get<double>();
    CHECK(removed < 0.9);  // the old smile's edges are not the closed mouth's
    CHECK(h["detail"].get<double>() > removed);
    CHECK(h["detail"].get<double>() < 1.0);
    CHECK(h["change_made"]["to_1"]["made"].get<double>() == Approx(1.0));
    CHECK(h["change_made"]["to_0"]["made"].get<double>() == Approx(0.0).margin(1e-9));
    std::system(("rm -rf " + std::string(tmpl)).c_str());
}
