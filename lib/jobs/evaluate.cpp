// Evaluation in four stages: compute the measures (prepare, then one
// attribute at a time), make the JSON report from them, the table from the
// report, and the sheet from the images.
#include "jobs/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/dataset.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/util.hpp"
#include "nn/model.hpp"
#include "nn/probe.hpp"

namespace ifgan {

using ojson = nlohmann::ordered_json;

namespace {

// Float images, n x 3 x s x s, in [0, 1].
struct Floats {
    size_t n = 0, pix = 0;
    std::vector<float> v;
    Floats() = default;
    Floats(size_t count, size_t pixels, float fill = 0) : n(count), pix(pixels), v(count * pixels, fill) {}
    float* at(size_t i) { return v.data() + i * pix; }
    const float* at(size_t i) const { return v.data() + i * pix; }
};

Floats floats_of(const uint8_t* bytes, size_t n, size_t pix) {
    Floats f(n, pix);
    unit_floats_from_bytes(bytes, n * pix, f.v.data());
    return f;
}

// What a saved edit holds: 8-bit pixels.
std::vector<uint8_t> bytes_of(const Floats& f) {
    std::vector<uint8_t> out(f.v.size());
    bytes_from_unit_floats(f.v.data(), f.v.size(), out.data());
    return out;
}

size_t index_of(const std::vector<std::string>& v, const std::string& s) {
    return size_t(std::find(v.begin(), v.end(), s) - v.begin());
}

double share(size_t hit, size_t n) { return n ? double(hit) / double(n) : 0.0; }

// The editor, the judge, the images and everything computed once for all attributes.
struct Prepared {
    Prepared(const EvalOptions& opts, const EvalSubject& subject) : o(opts), s(subject) {}
    const EvalOptions& o;
    const EvalSubject& s;
    Dataset ds;
    std::vector<size_t> idx, probe_idx;  // the evaluated split; the probe's train images
    CacheOptions co;
    Floats orig, rec;
    Floats drawn;  // the reconstructions from the code alone, where the subject has a decoder of its own
    std::vector<uint8_t> chw;  // the prepared faces, as the model reads them
    std::vector<float> mu, yp, j_orig, j_rec, probe_mu;
    size_t n() const { return idx.size(); }
    const ModelConfig& c() const { return s.model; }
    // What the decoder draws from the code alone: without a decoder of its
    // own, the editor's reconstruction is that drawing.
    const Floats& from_code() const { return s.decode ? drawn : rec; }
    size_t judge_k() const { return s.judge_attrs.size(); }

    // Every face edited from its encoding to the attributes y.
    Floats decode(const std::vector<float>& y) const {
        Floats out(n(), orig.pix);
        for_each_batch(n(), size_t(o.batch), [&](size_t b, size_t k) {
            s.edit(&chw[b * orig.pix], &mu[b * size_t(c().nz)], &yp[b * c().k()], &y[b * c().k()], k, out.at(b));
        });
        return out;
    }
    std::vector<float> judge_all(const uint8_t* faces) const {
        std::vector<float> p(n() * judge_k());
        for_each_batch(n(), size_t(o.batch), [&](size_t b, size_t k) {
            s.judge(faces + b * orig.pix, k, &p[b * judge_k()]);
        });
        return p;
    }
    void encode(const ImageCache& imgs, std::vector<float>& z, std::vector<float>& y) const {
        z.resize(imgs.count * size_t(c().nz));
        y.resize(imgs.count * c().k());
        for_each_batch(imgs.count, size_t(o.batch), [&](size_t b, size_t k) {
            s.encode(imgs.image(b), k, &z[b * size_t(c().nz)], &y[b * c().k()]);
        });
    }
};

}  // namespace

void check_judge(const std::string& judge, const ModelConfig& c, const ModelConfig& jc) {
    if (jc.size != c.size || jc.crop != c.crop)
        throw Error(judge + ": the judge works on " + std::to_string(jc.size) + " px '" + jc.crop +
                    "' images, the model on " + std::to_string(c.size) + " px '" + c.crop + "'");
    for (const auto& a : c.attrs)
        if (index_of(jc.attrs, a) == jc.attrs.size())
            throw Error(judge + ": the judge does not know attribute '" + a + "'");
}

namespace {

Prepared prepare(const EvalOptions& o, const EvalSubject& s) {
    Prepared p(o, s);
    p.ds = load_dataset(o.data, s.judge_attrs);
    p.idx = p.ds.indices(parse_split(o.split));
    if (o.limit && p.idx.size() > o.limit) p.idx.resize(o.limit);
    if (p.idx.empty()) throw Error(o.data + ": the " + o.split + " split is empty");
    p.co.size = p.c().size;
    p.co.crop = parse_crop(p.c().crop);
    p.co.threads = o.threads;
    ImageCache imgs = build_cache(p.ds, p.idx, p.co);
    p.orig = floats_of(imgs.pixels(), imgs.count, imgs.image_bytes());
    p.chw.assign(imgs.pixels(), imgs.pixels() + imgs.count * imgs.image_bytes());
    p.encode(imgs, p.mu, p.yp);
    p.rec = p.decode(p.yp);
    if (s.decode) {
        p.drawn = Floats(p.n(), p.orig.pix);
        for_each_batch(p.n(), size_t(o.batch), [&](size_t b, size_t k) {
            s.decode(&p.mu[b * size_t(p.c().nz)], &p.yp[b * p.c().k()], k, p.drawn.at(b));
        });
    }
    p.j_orig = p.judge_all(imgs.pixels());
    p.j_rec = p.judge_all(bytes_of(p.rec).data());
    // The leakage probe learns each attribute from the train split's mu.
    p.probe_idx = p.ds.indices(kTrain);
    if (p.probe_idx.size() > o.probe_train) p.probe_idx.resize(o.probe_train);
    std::vector<float> unused;
    if (!p.probe_idx.empty()) p.encode(build_cache(p.ds, p.probe_idx, p.co), p.probe_mu, unused);
    return p;
}

// One attribute's measures and the images its rows of the sheet show.
struct AttributeResult {
    std::string name;
    size_t n = 0, count[2] = {0, 0};  // faces without / with the attribute
    size_t acc = 0, judge_acc = 0;
    size_t hit[2][2] = {{0, 0}, {0, 0}};  // [label][target]: the judge sees the target
    size_t flip_hit = 0, keep_orig = 0, keep_rec = 0, keep_n = 0, others = 0;
    double majority = 0, probe = -1, mlp_probe = -1;  // < 0: not measured
    size_t probe_train = 0;
    size_t cf_found = 0;
    double cf_mse = 0, cf_psnr = 0, cf_ssim = 0, rec_mse = 0, rec_psnr = 0;
    Sharpness sharp;                   // where the truth changes the face
    Sharpness sharp_of[2];             // the same, of the edits to 0 and to 1 apart
    Sharpness drawn_of[2];             // the reconstruction from the code alone against the face, there,
                                       // of the faces without and with the attribute
    ChangeMade change[2];              // of the edits to 0 and to 1
    double grid_edit = 0, grid_truth = 0;  // summed over the faces
    Floats flipped, counterfactual;  // each face with the attribute flipped; the true flipped face
};

// Decodes every face with the attribute at 0 and at 1 and lets the judge rule.
void judge_edits(const Prepared& p, size_t a, AttributeResult& r) {
    const size_t n = p.n(), K = p.c().k(), JK = p.judge_k();
    const size_t ja = index_of(p.s.judge_attrs, r.name), da = index_of(p.ds.attrs, r.name);
    Floats edit[2];
    std::vector<float> j_edit[2];
    for (int t = 0; t < 2; ++t) {
        std::vector<float> y = p.yp;
        for (size_t i = 0; i < n; ++i) y[i * K + a] = float(t);
        edit[t] = p.decode(y);
        j_edit[t] = p.judge_all(bytes_of(edit[t]).data());
    }
    r.flipped = Floats(n, p.orig.pix);
    r.others = JK - 1;
    for (size_t i = 0; i < n; ++i) {
        const int label = p.ds.label(p.idx[i], da), target = 1 - label;
        ++r.count[label];
        r.acc += (p.yp[i * K + a] >= 0.5f) == bool(label);
        r.judge_acc += (p.j_orig[i * JK + ja] >= 0.5f) == bool(label);
        for (int t = 0; t < 2; ++t) r.hit[label][t] += (j_edit[t][i * JK + ja] >= 0.5f) == bool(t);
        r.flip_hit += (j_edit[target][i * JK + ja] >= 0.5f) == bool(target);
        std::copy(edit[target].at(i), edit[target].at(i) + p.orig.pix, r.flipped.at(i));
        for (size_t b = 0; b < JK; ++b) {
            if (b == ja) continue;
            bool after = j_edit[target][i * JK + b] >= 0.5f;
            r.keep_orig += after == (p.j_orig[i * JK + b] >= 0.5f);
            r.keep_rec += after == (p.j_rec[i * JK + b] >= 0.5f);
            ++r.keep_n;
        }
    }
    r.majority = share(std::max(r.count[0], r.count[1]), n);
}

// Leakage: a fresh probe fitted on the train split's mu, scored on this split.
void probe_leakage(const Prepared& p, AttributeResult& r) {
    r.probe_train = p.probe_idx.size();
    if (p.probe_idx.empty()) return;
    const size_t da = index_of(p.ds.attrs, r.name);
    std::vector<uint8_t> ytr(p.probe_idx.size()), yte(p.n());
    for (size_t i = 0; i < p.probe_idx.size(); ++i) ytr[i] = p.ds.label(p.probe_idx[i], da);
    for (size_t i = 0; i < p.n(); ++i) yte[i] = p.ds.label(p.idx[i], da);
    LogisticProbe probe;
    probe.fit(p.probe_mu, ytr, size_t(p.c().nz));
    r.probe = probe.accuracy(p.mu, yte);
    if (p.o.mlp_probe) r.mlp_probe = mlp_probe_accuracy(p.probe_mu, ytr, p.mu, yte, size_t(p.c().nz));
}

// Synthetic data sets hold each test face rendered with the attribute flipped:
// the flipped edit against that truth, beside the reconstruction's error.
void compare_counterfactuals(const Prepared& p, AttributeResult& r, size_t show) {
    const std::string dir = join_path(p.o.data, "counterfactuals");
    if (!file_exists(dir)) return;
    r.counterfactual = Floats(show, p.orig.pix, 1.0f);
    std::vector<uint8_t> chw(p.orig.pix);
    std::vector<float> truth(p.orig.pix);
    const size_t da = index_of(p.ds.attrs, r.name);
    for (size_t i = 0; i < p.n(); ++i) {
        // PNG beside PNG faces, JPEG beside JPEG ones (ifgan-synth --celeba-frame).
        std::string f = join_path(dir, stem(p.ds.files[p.idx[i]]) + "_" + r.name + ".png");
        if (!file_exists(f)) f = join_path(dir, stem(p.ds.files[p.idx[i]]) + "_" + r.name + ".jpg");
        if (!file_exists(f)) continue;
        to_chw(load_prepared(f, p.co.crop, p.c().size), chw.data());
        unit_floats_from_bytes(chw.data(), chw.size(), truth.data());
        double e = mse(r.flipped.at(i), truth.data(), p.orig.pix), er = mse(p.rec.at(i), p.orig.at(i), p.orig.pix);
        r.cf_mse += e;
        r.cf_psnr += psnr_from_mse(e);
        r.rec_mse += er;
        r.rec_psnr += psnr_from_mse(er);
        r.cf_ssim += ssim(r.flipped.at(i), truth.data(), p.c().size, p.c().size);
        const int target = 1 - p.ds.label(p.idx[i], da);
        const Sharpness sharp = sharpness(r.flipped.at(i), truth.data(), p.orig.at(i), p.c().size, p.c().size);
        r.sharp.add(sharp);
        r.sharp_of[target].add(sharp);
        r.drawn_of[1 - target].add(sharpness(p.from_code().at(i), p.orig.at(i), truth.data(), p.c().size, p.c().size));
        r.change[target].add(change_made(r.flipped.at(i), truth.data(), p.orig.at(i), p.orig.pix));
        r.grid_edit += grid_amplitude(r.flipped.at(i), p.c().size, p.c().size);
        r.grid_truth += grid_amplitude(truth.data(), p.c().size, p.c().size);
        if (i < show) std::copy(truth.begin(), truth.end(), r.counterfactual.at(i));
        ++r.cf_found;
    }
}

// The share of the true change the edits make, and what they change
// besides, for the edits to 1 and to 0; null where no face was edited so.
ojson change_json(const ChangeMade (&c)[2]) {
    ojson j;
    for (int t : {1, 0}) {
        const bool any = c[t].measured();
        j[t ? "to_1" : "to_0"] = {{"made", any ? ojson(c[t].made()) : ojson(nullptr)},
                                  {"stray", any ? ojson(c[t].stray()) : ojson(nullptr)}};
    }
    return j;
}

// A sharpness measure as the report gives it: ratio and detail, null where
// not measured.
ojson sharpness_json(const Sharpness& s) {
    return {{"sharpness", s.ratio() < 0 ? ojson(nullptr) : ojson(s.ratio())},
            {"detail", s.detail() < -0.5 ? ojson(nullptr) : ojson(s.detail())}};
}

ojson attribute_report(const AttributeResult& r) {
    ojson j;
    j["accuracy"] = share(r.acc, r.n);
    j["judge_accuracy"] = share(r.judge_acc, r.n);
    j["edit"] = {{"to_1", share(r.hit[0][1], r.count[0])},
                 {"to_0", share(r.hit[1][0], r.count[1])},
                 {"flip", share(r.flip_hit, r.n)},
                 {"with_attribute", {{"set_0", share(r.hit[1][0], r.count[1])}, {"set_1", share(r.hit[1][1], r.count[1])}, {"count", r.count[1]}}},
                 {"without_attribute", {{"set_0", share(r.hit[0][0], r.count[0])}, {"set_1", share(r.hit[0][1], r.count[0])}, {"count", r.count[0]}}}};
    j["preservation"] = {{"vs_original", r.keep_n ? share(r.keep_orig, r.keep_n) : 1.0},
                         {"vs_reconstruction", r.keep_n ? share(r.keep_rec, r.keep_n) : 1.0},
                         {"other_attributes", r.others}};
    j["leakage"] = {{"probe_accuracy", r.probe < 0 ? ojson(nullptr) : ojson(r.probe)},
                    {"mlp_probe_accuracy", r.mlp_probe < 0 ? ojson(nullptr) : ojson(r.mlp_probe)},
                    {"majority", r.majority},
                    {"probe_train", r.probe_train}};
    if (r.cf_found) {
        const double f = double(r.cf_found);
        const ojson pooled = sharpness_json(r.sharp);
        j["counterfactual"] = {{"count", r.cf_found},     {"edit_mse", r.cf_mse / f},   {"edit_psnr", r.cf_psnr / f},
                               {"rec_mse", r.rec_mse / f}, {"rec_psnr", r.rec_psnr / f},
                               {"ratio", r.rec_mse > 0 ? r.cf_mse / r.rec_mse : 0.0},
                               {"edit_ssim", r.cf_ssim / f},
                               {"sharpness", pooled["sharpness"]},
                               {"detail", pooled["detail"]},
                               {"sharpness_by_edit", {{"to_1", sharpness_json(r.sharp_of[1])},
                                                      {"to_0", sharpness_json(r.sharp_of[0])}}},
                               {"decoder_alone", {{"label_1", sharpness_json(r.drawn_of[1])},
                                                  {"label_0", sharpness_json(r.drawn_of[0])}}},
                               {"changed_pixels", double(r.sharp.pixels) / f},
                               {"change_made", change_json(r.change)},
                               {"grid", {{"edit", r.grid_edit / f}, {"truth", r.grid_truth / f},
                                         {"ratio", r.grid_truth > 0 ? r.grid_edit / r.grid_truth : 0.0}}}};
    }
    return j;
}

ojson reconstruction_report(const Prepared& p) {
    double se = 0, ss = 0, ps = 0;
    for (size_t i = 0; i < p.n(); ++i) {
        double e = mse(p.orig.at(i), p.rec.at(i), p.orig.pix);
        se += e;
        ps += psnr_from_mse(e);
        ss += ssim(p.orig.at(i), p.rec.at(i), p.c().size, p.c().size);
    }
    const double n = double(p.n());
    return {{"mse", se / n}, {"psnr", ps / n}, {"ssim", ss / n}};
}

// The sheet's rows: originals, reconstructions, then per attribute the
// flipped edits (and the true counterfactuals when the data set has them).
void add_sheet_row(std::vector<Image>& sheet, const Floats& f, size_t show, int size) {
    for (size_t i = 0; i < show; ++i) sheet.push_back(from_chw_float(f.at(i), size, size));
}

std::string pct(const ojson& v) {
    char b[16];
    std::snprintf(b, sizeof b, "%5.1f%%", 100 * v.get<double>());
    return b;
}

}  // namespace

EvalResult evaluate(const EvalOptions& o) {
    Model m = Model::load(o.model, kPartEncoder | kPartDecoder, "ifgan");
    m.set_edit_style(o.edit);
    const Model judge = Model::load(o.judge, kPartAll, "classifier");
    check_judge(o.judge, m.config(), judge.config());
    EvalSubject s;
    s.model = m.config();
    s.judge_attrs = judge.config().attrs;
    s.model_id = m.fingerprint();
    s.judge_id = judge.fingerprint();
    s.encode = [&](const uint8_t* chw, size_t n, float* z, float* y) { m.encode(chw, n, false, 1, z, y); };
    s.edit = [&](const uint8_t* chw, const float* z, const float* from, const float* to, size_t n, float* out) {
        m.edit(chw, z, from, to, n, out);
    };
    if (m.has_skips()) s.decode = [&](const float* z, const float* y, size_t n, float* out) { m.decode(z, y, n, out); };
    s.judge = [&](const uint8_t* chw, size_t n, float* probs) { judge.classify(chw, n, probs); };
    return evaluate(o, s);
}

EvalResult evaluate(const EvalOptions& o, const EvalSubject& subject) {
    Progress bar("evaluating", 2);
    Prepared p = prepare(o, subject);
    bar.update(1);
    const size_t show = std::min<size_t>(16, p.n());
    const int size = p.c().size;
    EvalResult out;
    out.report = {{"model", subject.model_id}, {"model_file", o.model}, {"judge", subject.judge_id},
                  {"data", o.data},             {"split", o.split},      {"count", p.n()}};
    if (p.c().skips) out.report["edit_passes"] = o.edit.passes, out.report["edit_floor"] = o.edit.floor;
    out.report["reconstruction"] = reconstruction_report(p);
    std::vector<Image> sheet;
    add_sheet_row(sheet, p.orig, show, size);
    add_sheet_row(sheet, p.rec, show, size);
    ojson attrs;
    for (size_t a = 0; a < p.c().k(); ++a) {
        AttributeResult r;
        r.name = p.c().attrs[a];
        r.n = p.n();
        judge_edits(p, a, r);
        probe_leakage(p, r);
        compare_counterfactuals(p, r, show);
        attrs[r.name] = attribute_report(r);
        add_sheet_row(sheet, r.flipped, show, size);
        if (r.cf_found) add_sheet_row(sheet, r.counterfactual, show, size);
    }
    out.report["attributes"] = attrs;
    out.sheet = grid(sheet, int(show), 2);
    bar.update(2);
    bar.finish();
    return out;
}

namespace {
// A measure the report may hold as null (not measured), as the table prints it: -1.
double measured_or_minus1(const ojson& v) { return v.is_null() ? -1.0 : v.get<double>(); }
}  // namespace

std::string report_table(const ojson& report) {
    char line[256];
    std::string t = "evaluation of " + report["model_file"].get<std::string>() + " on " +
                    report["data"].get<std::string>() + " (" + report["split"].get<std::string>() + ", " +
                    std::to_string(report["count"].get<size_t>()) + " images)\n";
    const ojson& rec = report["reconstruction"];
    std::snprintf(line, sizeof line, "  reconstruction  MSE %.5f  PSNR %.2f dB  SSIM %.3f\n", rec["mse"].get<double>(),
                  rec["psnr"].get<double>(), rec["ssim"].get<double>());
    t += line;
    for (const auto& [name, r] : report["attributes"].items()) {
        t += "  " + name + "\n    y-hat accuracy " + pct(r["accuracy"]) + " (judge " + pct(r["judge_accuracy"]) + ")\n";
        t += "    edit success  to 1 " + pct(r["edit"]["to_1"]) + "  to 0 " + pct(r["edit"]["to_0"]) + "  flip " +
             pct(r["edit"]["flip"]) + "\n";
        t += "    preservation  " + pct(r["preservation"]["vs_original"]) + " of other attributes kept (vs reconstruction " +
             pct(r["preservation"]["vs_reconstruction"]) + ")\n";
        if (!r["leakage"]["probe_accuracy"].is_null())
            t += "    leakage       probe on z " + pct(r["leakage"]["probe_accuracy"]) +
                 (r["leakage"]["mlp_probe_accuracy"].is_null() ? "" : ", MLP probe " + pct(r["leakage"]["mlp_probe_accuracy"])) +
                 ", majority " + pct(r["leakage"]["majority"]) + "\n";
        if (r.contains("counterfactual")) {
            const ojson& cf = r["counterfactual"];
            std::snprintf(line, sizeof line, "    counterfactual MSE %.5f vs reconstruction %.5f (ratio %.2f)\n",
                          cf["edit_mse"].get<double>(), cf["rec_mse"].get<double>(), cf["ratio"].get<double>());
            t += line;
            std::snprintf(line, sizeof line,
                          "    against the truth  PSNR %.2f dB  SSIM %.3f  sharpness %.2f  detail %.2f  grid %.2fx the truth's\n",
                          cf["edit_psnr"].get<double>(), cf["edit_ssim"].get<double>(),
                          measured_or_minus1(cf["sharpness"]), measured_or_minus1(cf["detail"]),
                          cf["grid"]["ratio"].get<double>());
            t += line;
            // A measure given for two groups (the edits to 1 and to 0, or the
            // faces with and without the attribute): each group's value and,
            // in brackets, its second figure.
            auto two_groups = [&](const char* label, const char* measure, const char* key1, const char* name1,
                                  const char* key0, const char* name0, const char* value, const char* aside,
                                  const char* tail) {
                const ojson& m = cf[measure];
                std::snprintf(line, sizeof line, "    %s %s %.2f (%s %.2f)  %s %.2f (%s %.2f)%s\n", label, name1,
                              measured_or_minus1(m[key1][value]), aside, measured_or_minus1(m[key1][aside]), name0,
                              measured_or_minus1(m[key0][value]), aside, measured_or_minus1(m[key0][aside]), tail);
                t += line;
            };
            two_groups("change made  ", "change_made", "to_1", "to 1", "to_0", "to 0", "made", "stray",
                       " of the true change");
            two_groups("sharpness    ", "sharpness_by_edit", "to_1", "to 1", "to_0", "to 0", "sharpness", "detail", "");
            two_groups("from the code", "decoder_alone", "label_1", "with 1", "label_0", "with 0", "sharpness", "detail", "");
        }
    }
    return t;
}

}  // namespace ifgan
