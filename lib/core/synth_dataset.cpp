// The synthetic data set on disk: CelebA's layout (images, attribute,
// partition and landmark files), identities.jsonl, the test split's true
// counterfactuals, and photos in the wild.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/dataset.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"

namespace ifgan {

int synth_split(const SynthOptions& opt, size_t i) {
    return opt.celeba_frame ? celeba_split(i, opt.count) : default_split(i, opt.count);
}

namespace {

// The generator's attributes the user chose, in the order asked.
std::vector<SynthAttr> chosen_attributes(const std::vector<std::string>& asked) {
    const auto& known = synth_attribute_names();
    std::vector<SynthAttr> chosen;
    for (const auto& a : asked) {
        auto it = std::find(known.begin(), known.end(), a);
        if (it == known.end()) throw UsageError("unknown attribute '" + a + "' (Smiling, Eyeglasses, Wearing_Hat)");
        chosen.push_back(SynthAttr(it - known.begin()));
    }
    if (chosen.empty()) throw UsageError("no attributes chosen");
    return chosen;
}

class SynthWriter {
public:
    explicit SynthWriter(const SynthOptions& opt)
        : opt_(opt), chosen_(chosen_attributes(opt.attrs)),
          digits_(std::max(6, int(std::to_string(opt.count).size()))), ext_(opt.celeba_frame ? "jpg" : "png"),
          // CelebA's aligned photos are 178x218 JPEGs whose face fills the
          // square that the celeba crop cuts out; the plain faces are that
          // square alone.
          square_(crop_box(Crop::celeba, kCelebaWidth, kCelebaHeight)) {}

    void write_faces() const;
    void write_wild_photos() const;

private:
    // Face i, with the attributes the user did not choose always off.
    FaceParams face(size_t i) const {
        FaceParams p = draw_face(opt_.seed, i);
        bool on[kSynthAttrCount] = {false, false, false};
        for (SynthAttr a : chosen_) on[a] = p.attr[a];
        std::copy(on, on + kSynthAttrCount, p.attr);
        return p;
    }
    std::string file_name(size_t i) const {
        char b[32];
        std::snprintf(b, sizeof b, "%0*zu.%s", digits_, i + 1, ext_);
        return b;
    }
    // Calls fn(q, name) for the face with each chosen attribute flipped.
    template <class F>
    void for_each_counterfactual(const FaceParams& p, F&& fn) const {
        for (SynthAttr a : chosen_) {
            FaceParams q = p;
            q.attr[a] = !q.attr[a];
            fn(q, synth_attribute_names()[size_t(a)]);
        }
    }
    void write_face(const std::string& path, const FaceParams& p) const {
        // Per-face durability would cost more than the whole render; the
        // label files, written last and durably, mark a complete data set.
        if (opt_.celeba_frame) {
            std::vector<uint8_t> jpeg =
                encode_jpeg(render_face_in_frame(p, kCelebaWidth, kCelebaHeight, square_), kCelebaJpegQuality);
            write_file_atomic(path, jpeg.data(), jpeg.size(), false);
        } else {
            write_png(path, render_face(p, opt_.size), false);
        }
    }
    Landmarks landmarks(const FaceParams& p) const {
        if (!opt_.celeba_frame) return face_landmarks(p, opt_.size);
        Landmarks l = face_landmarks(p, square_.w);
        for (size_t k = 0; k < 5; ++k) l.x[k] += square_.x, l.y[k] += square_.y;
        return l;
    }
    void write_label_files(const std::vector<FaceParams>& faces) const;

    const SynthOptions& opt_;
    const std::vector<SynthAttr> chosen_;
    const int digits_;
    const char* ext_;
    const Box square_;
};

void SynthWriter::write_faces() const {
    std::string img_dir = join_path(opt_.out, "img_align_celeba");
    std::string cf_dir = join_path(opt_.out, "counterfactuals");
    make_dirs(img_dir);
    make_dirs(cf_dir);
    std::vector<FaceParams> faces(opt_.count);
    std::function<void(size_t)> progress;
    if (opt_.progress) progress = [&](size_t d) { opt_.progress(d, opt_.count); };
    parallel_for(opt_.count, opt_.threads, [&](size_t i) {
        faces[i] = face(i);
        std::string name = file_name(i);
        write_face(join_path(img_dir, name), faces[i]);
        if (synth_split(opt_, i) != kTest) return;  // only the test split gets counterfactuals
        for_each_counterfactual(faces[i], [&](const FaceParams& q, const std::string& attr) {
            write_face(join_path(cf_dir, stem(name) + "_" + attr + "." + ext_), q);
        });
    }, progress, 200);
    write_label_files(faces);
}

// The label files, written last so that a complete listing means complete images.
void SynthWriter::write_label_files(const std::vector<FaceParams>& faces) const {
    const auto& known = synth_attribute_names();
    std::string attrs_txt = std::to_string(opt_.count) + "\n";
    for (size_t c = 0; c < chosen_.size(); ++c) attrs_txt += (c ? " " : "") + known[size_t(chosen_[c])];
    attrs_txt += "\n";
    std::string part, idents;
    std::map<std::string, Landmarks> marks;
    for (size_t i = 0; i < opt_.count; ++i) {
        std::string name = file_name(i);
        marks[name] = landmarks(faces[i]);
        attrs_txt += name;
        for (SynthAttr a : chosen_) attrs_txt += faces[i].attr[a] ? "  1" : " -1";
        attrs_txt += "\n";
        int s = synth_split(opt_, i);
        part += name + " " + std::to_string(s) + "\n";
        nlohmann::json rec = {{"file", name}, {"split", s}, {"index", i}};
        nlohmann::json at;
        for (SynthAttr a : chosen_) at[known[size_t(a)]] = faces[i].attr[a] ? 1 : 0;
        rec["attributes"] = at;
        rec["params"] = face_params_object(faces[i]);
        idents += rec.dump() + "\n";
    }
    write_file_atomic(join_path(opt_.out, "identities.jsonl"), idents);
    write_file_atomic(join_path(opt_.out, kAlignedLandmarkFile), format_landmark_file(marks));
    write_file_atomic(join_path(opt_.out, "list_eval_partition.txt"), part);
    write_file_atomic(join_path(opt_.out, "list_attr_celeba.txt"), attrs_txt);
}

// The first opt.wild faces of the test split in photos in the wild, with
// their counterfactual photos and the landmark file CelebA ships with its
// in-the-wild images (wild/list_landmarks_celeba.txt).
void SynthWriter::write_wild_photos() const {
    std::vector<size_t> test;
    for (size_t i = 0; i < opt_.count && test.size() < opt_.wild; ++i)
        if (synth_split(opt_, i) == kTest) test.push_back(i);
    std::string dir = join_path(opt_.out, "wild"), img_dir = join_path(dir, "img_celeba"),
                cf_dir = join_path(dir, "counterfactuals");
    make_dirs(img_dir);
    make_dirs(cf_dir);
    std::vector<Landmarks> marks(test.size());
    std::vector<std::string> names(test.size());
    parallel_for(test.size(), opt_.threads, [&](size_t t) {
        size_t i = test[t];
        const FaceParams p = face(i);
        WildPhoto w = make_wild_photo(p, opt_.seed, i);
        names[t] = stem(file_name(i)) + ".jpg";
        marks[t] = w.landmarks;
        write_file_atomic(join_path(img_dir, names[t]), encode_jpeg(w.photo, 95));
        for_each_counterfactual(p, [&](const FaceParams& q, const std::string& attr) {
            write_file_atomic(join_path(cf_dir, stem(names[t]) + "_" + attr + ".jpg"),
                              encode_jpeg(wild_counterfactual(w, q, opt_.seed, i), 95));
        });
    });
    std::map<std::string, Landmarks> all;
    for (size_t t = 0; t < test.size(); ++t) all[names[t]] = marks[t];
    write_file_atomic(join_path(dir, "list_landmarks_celeba.txt"), format_landmark_file(all));
}

}  // namespace

void write_synthetic_dataset(const SynthOptions& opt) {
    SynthWriter writer(opt);  // checks the attributes first
    if (opt.count == 0) throw UsageError("--count must be at least 1");
    if (opt.size < 16 || opt.size > 512) throw UsageError("--size must be between 16 and 512");
    if (opt.wild > 0) writer.write_wild_photos();
    if (!opt.only_wild) writer.write_faces();
}

}  // namespace ifgan
