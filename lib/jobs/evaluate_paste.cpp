// ifgan-eval --paste: the whole photo-in/photo-out path measured on the data
// set's photos in the wild (ifgan-synth --wild), whose true counterfactual
// photos are known. Each photo is aligned by its landmarks, encoded, edited,
// decoded and pasted back at its own size (as ifgan-align | ifgan-encode |
// ifgan-flip | ifgan-decode --paste does), written as JPEG and read back, then:
//   edit success  the judge, on the pasted photo warped onto its own frame
//   preservation  the other attributes, against the judge on the original photo
//   counterfactual  MSE of the pasted photo to the true counterfactual photo,
//                 beside the MSE of the unedited photo to it, and beside that
//                 of the true counterfactual itself warped to the model's
//                 size and pasted the same way: the least a perfect edit at
//                 that size can reach
// The same measures of the crop mode (the decoder's output at model size)
// come from the same photos, for the comparison.
#include <algorithm>
#include <cmath>
#include <map>

#include "core/align.hpp"
#include "core/dataset.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/util.hpp"
#include "jobs/evaluate.hpp"
#include "nn/model.hpp"

namespace ifgan {

using ojson = nlohmann::ordered_json;

namespace {

struct WildSet {
    std::string dir;
    std::vector<std::string> names;   // photo file names, in the landmark file's order
    std::vector<Landmarks> marks;
    std::vector<std::vector<uint8_t>> labels;  // per photo, the judge's attributes
};

WildSet load_wild(const std::string& data, const std::vector<std::string>& attrs, size_t limit) {
    WildSet w;
    w.dir = join_path(data, "wild");
    const std::string list = join_path(w.dir, "list_landmarks_celeba.txt");
    if (!file_exists(list)) throw Error(list + ": no photos in the wild here (make them with ifgan-synth --wild N)");
    Dataset ds = load_dataset(data, attrs);
    std::map<std::string, size_t> by_stem;
    for (size_t i = 0; i < ds.size(); ++i) by_stem[stem(ds.files[i])] = i;
    for (const auto& [name, l] : read_landmark_file(list)) {
        if (limit && w.names.size() >= limit) break;
        auto it = by_stem.find(stem(name));
        if (it == by_stem.end()) throw Error(list + ": " + name + " has no labels in " + data);
        w.names.push_back(name);
        w.marks.push_back(l);
        std::vector<uint8_t> y(ds.k());
        for (size_t a = 0; a < ds.k(); ++a) y[a] = ds.label(it->second, a);
        w.labels.push_back(y);
    }
    if (w.names.empty()) throw Error(list + ": lists no photos");
    return w;
}

double photo_mse(const Image& a, const Image& b) {
    double s = 0;
    for (size_t i = 0; i < a.rgb.size(); ++i) {
        double d = (double(a.rgb[i]) - double(b.rgb[i])) / 255.0;
        s += d * d;
    }
    return s / double(a.rgb.size());
}

std::vector<uint8_t> chw_of(const Image& img) {
    std::vector<uint8_t> v(img.rgb.size());
    to_chw(img, v.data());
    return v;
}

std::vector<float> planar_floats(const Image& img) {
    std::vector<uint8_t> chw = chw_of(img);
    std::vector<float> v(chw.size());
    unit_floats_from_bytes(chw.data(), chw.size(), v.data());
    return v;
}

Sharpness image_sharpness(const Image& edit, const Image& truth, const Image& orig) {
    return sharpness(planar_floats(edit).data(), planar_floats(truth).data(), planar_floats(orig).data(), edit.width,
                     edit.height);
}

// Counts of one mode (paste or crop) for one attribute.
struct ModeTally {
    size_t hit[2] = {0, 0}, count[2] = {0, 0}, kept = 0, kept_n = 0, cf = 0;
    double cf_edit = 0, cf_unedited = 0;
    double cf_truth = 0;  // paste mode: the truth itself at the model's size, pasted the same way
    Sharpness sharp;  // where the true counterfactual differs from the photo
    ojson json(bool with_truth) const {
        ojson j;
        j["edit"] = {{"to_1", count[0] ? double(hit[1]) / double(count[0]) : 0.0},
                     {"to_0", count[1] ? double(hit[0]) / double(count[1]) : 0.0}};
        j["preservation"] = kept_n ? double(kept) / double(kept_n) : 1.0;
        if (cf)
            j["counterfactual"] = {{"count", cf},
                                   {"edit_mse", cf_edit / double(cf)},
                                   {"unedited_mse", cf_unedited / double(cf)},
                                   {"ratio", cf_unedited > 0 ? cf_edit / cf_unedited : 0.0},
                                   {"sharpness", sharp.ratio() < 0 ? ojson(nullptr) : ojson(sharp.ratio())},
                                   {"detail", sharp.detail() < -0.5 ? ojson(nullptr) : ojson(sharp.detail())}};
        if (cf && with_truth) j["counterfactual"]["truth_ratio"] = cf_unedited > 0 ? cf_truth / cf_unedited : 0.0;
        return j;
    }
};

struct PasteRun {
    const EvalOptions& o;
    Model m, judge;
    WildSet wild;
    Landmarks model_marks, judge_marks;
    std::vector<ModeTally> paste, crop;  // per model attribute
    std::vector<Image> sheet;            // original, pasted, true counterfactual: the first rows
    size_t sheet_rows = 4;

    explicit PasteRun(const EvalOptions& opts)
        : o(opts), m(Model::load(o.model, kPartEncoder | kPartDecoder, "ifgan")),
          judge(Model::load(o.judge, kPartAll, "classifier")) {
        m.set_edit_style(o.edit);
        wild = load_wild(o.data, judge.config().attrs, o.limit);
        model_marks = model_frame(m.config().frame, m.config().size);
        judge_marks = model_frame(judge.config().frame, judge.config().size);
        paste.resize(m.config().k());
        crop.resize(m.config().k());
    }

    size_t judge_index(const std::string& a) const {
        const auto& v = judge.config().attrs;
        return size_t(std::find(v.begin(), v.end(), a) - v.begin());
    }
    std::vector<float> judge_faces(const std::vector<uint8_t>& chw, size_t n) const {
        std::vector<float> p(n * judge.config().k());
        judge.classify(chw.data(), n, p.data());
        return p;
    }
    std::vector<uint8_t> judge_view(const Image& photo, const Landmarks& l) const {
        const int js = judge.config().size;
        return chw_of(warp_affine(photo, fit_similarity(l, judge_marks), js, js));
    }

    void tally(ModeTally& t, size_t ja, int label, const float* after, const float* before) const {
        const size_t JK = judge.config().k();
        const int target = 1 - label;
        ++t.count[label];
        t.hit[target] += (after[ja] >= 0.5f) == bool(target);
        for (size_t b = 0; b < JK; ++b)
            if (b != ja) t.kept += (after[b] >= 0.5f) == (before[b] >= 0.5f), ++t.kept_n;
    }

    // Each picture fitted into a white square of the same size, so that the rows line up.
    void add_sheet_row(const Image& photo, const Image& pasted, const Image& truth) {
        const int side = 320;
        for (const Image* im : {&photo, &pasted, &truth}) {
            double k = double(side) / std::max(im->width, im->height);
            Image small = resize(*im, std::max(1, int(std::lround(im->width * k))), std::max(1, int(std::lround(im->height * k))));
            Image cell(side, side, 255);
            const int ox = (side - small.width) / 2, oy = (side - small.height) / 2;
            for (int y = 0; y < small.height; ++y)
                std::copy(small.at(0, y), small.at(0, y) + 3 * small.width, cell.at(ox, oy + y));
            sheet.push_back(std::move(cell));
        }
    }

    // An edit (planar, model size) pasted into its photo as ifgan-decode
    // --paste writes it: JPEG at quality 95, read back.
    Image pasted_as_written(const Image& photo, const float* edit, const float* rec, const Affine& to_model,
                            const std::string& name) const {
        Image p = paste_edit(photo, edit, rec, m.config().size, to_model, o.paste_style);
        std::vector<uint8_t> jpeg = encode_jpeg(p, 95);
        return decode_image(jpeg.data(), jpeg.size(), name);
    }

    void run_batch(size_t s, size_t n) {
        const ModelConfig& c = m.config();
        const size_t pix = size_t(3) * c.size * c.size, K = c.k(), JK = judge.config().k(), nz = size_t(c.nz);
        std::vector<Image> photos(n);
        std::vector<Affine> to_model(n);
        std::vector<uint8_t> faces(n * pix), judged_orig;
        for (size_t i = 0; i < n; ++i) {
            photos[i] = read_image(join_path(join_path(wild.dir, "img_celeba"), wild.names[s + i]));
            to_model[i] = fit_similarity(wild.marks[s + i], model_marks);
            to_chw(warp_affine(photos[i], to_model[i], c.size, c.size), &faces[i * pix]);
            std::vector<uint8_t> v = judge_view(photos[i], wild.marks[s + i]);
            judged_orig.insert(judged_orig.end(), v.begin(), v.end());
        }
        std::vector<float> j_orig = judge_faces(judged_orig, n);
        std::vector<float> z(n * nz), y(n * K), rec(n * pix), edit(n * pix);
        m.encode(faces.data(), n, false, 1, z.data(), y.data());
        m.edit(faces.data(), z.data(), y.data(), y.data(), n, rec.data());
        for (size_t a = 0; a < K; ++a) {
            const std::string& name = c.attrs[a];
            const size_t ja = judge_index(name);
            std::vector<float> ye = y;
            for (size_t i = 0; i < n; ++i) ye[i * K + a] = float(1 - wild.labels[s + i][ja]);
            m.edit(faces.data(), z.data(), y.data(), ye.data(), n, edit.data());
            std::vector<uint8_t> crop_bytes(n * pix), paste_view;
            bytes_from_unit_floats(edit.data(), n * pix, crop_bytes.data());
            std::vector<Image> pasted(n);
            for (size_t i = 0; i < n; ++i) {
                pasted[i] = pasted_as_written(photos[i], &edit[i * pix], &rec[i * pix], to_model[i], wild.names[s + i]);
                std::vector<uint8_t> v = judge_view(pasted[i], wild.marks[s + i]);
                paste_view.insert(paste_view.end(), v.begin(), v.end());
            }
            std::vector<float> j_paste = judge_faces(paste_view, n), j_crop = judge_faces(crop_bytes, n);
            for (size_t i = 0; i < n; ++i) {
                const int label = wild.labels[s + i][ja];
                tally(paste[a], ja, label, &j_paste[i * JK], &j_orig[i * JK]);
                tally(crop[a], ja, label, &j_crop[i * JK], &j_orig[i * JK]);
                std::string cf = join_path(join_path(wild.dir, "counterfactuals"), stem(wild.names[s + i]) + "_" + name + ".jpg");
                if (!file_exists(cf)) continue;
                Image truth = read_image(cf);
                if (truth.width != photos[i].width || truth.height != photos[i].height)
                    throw Error(cf + ": not the size of its photo");
                paste[a].cf_edit += photo_mse(pasted[i], truth), paste[a].cf_unedited += photo_mse(photos[i], truth);
                paste[a].sharp.add(image_sharpness(pasted[i], truth, photos[i]));
                ++paste[a].cf;
                Image truth_face = warp_affine(truth, to_model[i], c.size, c.size);
                const Image face = from_chw(&faces[i * pix], c.size, c.size);
                // A perfect edit at the model's size: the truth's own face square.
                const std::vector<float> truth_f = planar_floats(truth_face), face_f = planar_floats(face);
                paste[a].cf_truth += photo_mse(
                    pasted_as_written(photos[i], truth_f.data(), face_f.data(), to_model[i], wild.names[s + i]), truth);
                Image edit_face = from_chw(&crop_bytes[i * pix], c.size, c.size);
                crop[a].cf_edit += photo_mse(edit_face, truth_face);
                crop[a].cf_unedited += photo_mse(face, truth_face);
                crop[a].sharp.add(image_sharpness(edit_face, truth_face, face));
                ++crop[a].cf;
                if (a == 0 && s + i < sheet_rows) add_sheet_row(photos[i], pasted[i], truth);
            }
        }
    }
};

}  // namespace

PasteResult evaluate_paste(const EvalOptions& o) {
    PasteRun run(o);
    const ModelConfig& c = run.m.config();
    if (run.judge.config().size != c.size)
        throw Error(o.judge + ": the judge works on " + std::to_string(run.judge.config().size) + " px faces, the model on " +
                    std::to_string(c.size));
    for (const auto& a : c.attrs)
        if (run.judge_index(a) == run.judge.config().k()) throw Error(o.judge + ": the judge does not know attribute '" + a + "'");
    Progress bar("pasting", run.wild.names.size());
    for_each_batch(run.wild.names.size(), size_t(std::max(1, o.batch)), [&](size_t s, size_t n) {
        run.run_batch(s, n);
        bar.update(s + n);
    });
    bar.finish();
    PasteResult out;
    ojson attrs;
    for (size_t a = 0; a < c.k(); ++a) attrs[c.attrs[a]] = {{"paste", run.paste[a].json(true)}, {"crop", run.crop[a].json(false)}};
    out.report = {{"photos", run.wild.names.size()}, {"dir", run.wild.dir}, {"feather", o.paste_style.feather}, {"replace", o.paste_style.replace}, {"attributes", attrs}};
    if (!run.sheet.empty()) out.sheet = grid(run.sheet, 3, 4);
    return out;
}

std::string paste_table(const ojson& p) {
    std::string t = "photo in, photo out (" + std::to_string(p["photos"].get<size_t>()) + " photos in " +
                    p["dir"].get<std::string>() + "): pasted at full size | crop mode at model size\n";
    auto pct = [](const ojson& v) {
        char b[16];
        std::snprintf(b, sizeof b, "%5.1f%%", 100 * v.get<double>());
        return std::string(b);
    };
    auto cf_of = [](const ojson& mode, const char* key) {
        const ojson& v = mode["counterfactual"][key];
        return v.is_null() ? -1.0 : v.get<double>();
    };
    for (const auto& [name, a] : p["attributes"].items()) {
        const ojson &ps = a["paste"], &cr = a["crop"];
        t += "  " + name + "\n    edit success  to 1 " + pct(ps["edit"]["to_1"]) + "  to 0 " + pct(ps["edit"]["to_0"]) +
             "  | " + pct(cr["edit"]["to_1"]) + " " + pct(cr["edit"]["to_0"]) + "\n";
        t += "    preservation  " + pct(ps["preservation"]) + " of other attributes kept  | " + pct(cr["preservation"]) + "\n";
        if (ps.contains("counterfactual")) {
            char line[256];
            std::snprintf(line, sizeof line,
                          "    to the truth  MSE %.5f vs unedited %.5f (ratio %.2f; the truth at model size %.2f), "
                          "sharpness %.2f, detail %.2f  | ratio %.2f, sharpness %.2f, detail %.2f\n",
                          ps["counterfactual"]["edit_mse"].get<double>(), ps["counterfactual"]["unedited_mse"].get<double>(),
                          ps["counterfactual"]["ratio"].get<double>(), cf_of(ps, "truth_ratio"), cf_of(ps, "sharpness"),
                          cf_of(ps, "detail"),
                          cr["counterfactual"]["ratio"].get<double>(), cf_of(cr, "sharpness"), cf_of(cr, "detail"));
            t += line;
        }
    }
    return t;
}

}  // namespace ifgan
