#include "jobs/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/log.hpp"
#include "core/dataset.hpp"
#include "core/image.hpp"
#include "core/metrics.hpp"
#include "nn/model.hpp"
#include "core/util.hpp"

namespace ifgan {

using ojson = nlohmann::ordered_json;

namespace {

// Float images, n x 3 x s x s.
struct Floats {
    size_t n = 0, pix = 0;
    std::vector<float> v;
    float* at(size_t i) { return v.data() + i * pix; }
    const float* at(size_t i) const { return v.data() + i * pix; }
};

Floats to_floats(const ImageCache& c) {
    Floats f;
    f.n = c.count;
    f.pix = c.image_bytes();
    f.v.resize(c.data.size());
    for (size_t i = 0; i < c.data.size(); ++i) f.v[i] = c.data[i] / 255.0f;
    return f;
}

// What a saved edit holds: 8-bit pixels.
std::vector<uint8_t> to_bytes(const Floats& f) {
    std::vector<uint8_t> out(f.v.size());
    for (size_t i = 0; i < f.v.size(); ++i) out[i] = uint8_t(std::lround(std::clamp(f.v[i], 0.0f, 1.0f) * 255.0f));
    return out;
}

Floats decode_all(const Model& m, const std::vector<float>& z, const std::vector<float>& y, size_t n, int batch) {
    const ModelConfig& c = m.config();
    Floats out;
    out.n = n;
    out.pix = 3 * size_t(c.size) * c.size;
    out.v.resize(n * out.pix);
    for (size_t s = 0; s < n; s += size_t(batch)) {
        size_t k = std::min(size_t(batch), n - s);
        m.decode(&z[s * size_t(c.nz)], &y[s * c.k()], k, out.at(s));
    }
    return out;
}

std::vector<float> classify_all(const Model& j, const uint8_t* chw, size_t n, int size, int batch) {
    std::vector<float> p(n * j.config().k());
    size_t bytes = 3 * size_t(size) * size;
    for (size_t s = 0; s < n; s += size_t(batch)) {
        size_t k = std::min(size_t(batch), n - s);
        j.classify(chw + s * bytes, k, &p[s * j.config().k()]);
    }
    return p;
}

void encode_all(const Model& m, const ImageCache& imgs, int batch, std::vector<float>& mu, std::vector<float>& yp) {
    const ModelConfig& c = m.config();
    mu.resize(imgs.count * size_t(c.nz));
    yp.resize(imgs.count * c.k());
    for (size_t s = 0; s < imgs.count; s += size_t(batch)) {
        size_t k = std::min(size_t(batch), imgs.count - s);
        m.encode(imgs.image(s), k, false, 1, &mu[s * size_t(c.nz)], &yp[s * c.k()]);
    }
}

size_t index_of(const std::vector<std::string>& v, const std::string& s) {
    return size_t(std::find(v.begin(), v.end(), s) - v.begin());
}

double share(size_t hit, size_t n) { return n ? double(hit) / double(n) : 0.0; }

std::string pct(double v) {
    char b[16];
    std::snprintf(b, sizeof b, "%5.1f%%", 100 * v);
    return b;
}

}  // namespace

ojson evaluate(const EvalOptions& o, std::string& table) {
    Model m = Model::load(o.model, kPartEncoder | kPartDecoder, "ifgan");
    Model judge = Model::load(o.judge, kPartAll, "classifier");
    const ModelConfig& c = m.config();
    const ModelConfig& jc = judge.config();
    if (jc.size != c.size || jc.crop != c.crop)
        throw Error(o.judge + ": the judge works on " + std::to_string(jc.size) + " px '" + jc.crop +
                    "' images, the model on " + std::to_string(c.size) + " px '" + c.crop + "'");
    for (const auto& a : c.attrs)
        if (index_of(jc.attrs, a) == jc.attrs.size()) throw Error(o.judge + ": the judge does not know attribute '" + a + "'");
    Dataset ds = load_dataset(o.data, jc.attrs);
    std::vector<size_t> idx = ds.indices(parse_split(o.split));
    if (o.limit && idx.size() > o.limit) idx.resize(o.limit);
    if (idx.empty()) throw Error(o.data + ": the " + o.split + " split is empty");
    const size_t n = idx.size(), K = c.k(), JK = jc.k();
    CacheOptions co;
    co.size = c.size;
    co.crop = parse_crop(c.crop);
    co.threads = o.threads;
    Progress bar("evaluating", 4 + 2 * K);
    size_t stage = 0;
    ImageCache imgs = build_cache(ds, idx, co);
    Floats orig = to_floats(imgs);
    bar.update(++stage);

    std::vector<float> mu, yp;
    encode_all(m, imgs, o.batch, mu, yp);
    Floats rec = decode_all(m, mu, yp, n, o.batch);
    std::vector<uint8_t> rec_bytes = to_bytes(rec);
    std::vector<float> j_orig = classify_all(judge, imgs.data.data(), n, c.size, o.batch);
    std::vector<float> j_rec = classify_all(judge, rec_bytes.data(), n, c.size, o.batch);
    bar.update(++stage);

    ojson report = {{"model", m.fingerprint()}, {"model_file", o.model}, {"judge", judge.fingerprint()},
                    {"data", o.data},           {"split", o.split},      {"count", n}};
    double se = 0, ss = 0, ps = 0;
    for (size_t i = 0; i < n; ++i) {
        double e = mse(orig.at(i), rec.at(i), orig.pix);
        se += e;
        ps += psnr_from_mse(e);
        ss += ssim(orig.at(i), rec.at(i), c.size, c.size);
    }
    report["reconstruction"] = {{"mse", se / double(n)}, {"psnr", ps / double(n)}, {"ssim", ss / double(n)}};

    // The leakage probe learns each attribute from the train split's mu.
    std::vector<size_t> tr = ds.indices(kTrain);
    if (tr.size() > o.probe_train) tr.resize(o.probe_train);
    std::vector<float> mu_tr, yp_tr;
    if (!tr.empty()) encode_all(m, build_cache(ds, tr, co), o.batch, mu_tr, yp_tr);
    bar.update(++stage);

    std::string cf_dir = join_path(o.data, "counterfactuals");
    const bool has_cf = file_exists(cf_dir);
    std::vector<Image> sheet;
    const size_t show = std::min<size_t>(16, n);
    auto add_row = [&](const Floats& f) {
        for (size_t i = 0; i < show; ++i) sheet.push_back(from_chw_float(f.at(i), c.size, c.size));
    };
    add_row(orig);
    add_row(rec);

    char line[256];
    table = "evaluation of " + o.model + " on " + o.data + " (" + o.split + ", " + std::to_string(n) + " images)\n";
    std::snprintf(line, sizeof line, "  reconstruction  MSE %.5f  PSNR %.2f dB  SSIM %.3f\n", se / double(n),
                  ps / double(n), ss / double(n));
    table += line;
    ojson attrs;
    for (size_t a = 0; a < K; ++a) {
        const std::string& name = c.attrs[a];
        const size_t ja = index_of(jc.attrs, name), da = index_of(ds.attrs, name);
        ojson r;
        size_t acc = 0, jacc = 0;
        for (size_t i = 0; i < n; ++i) {
            bool label = ds.label(idx[i], da);
            acc += (yp[i * K + a] >= 0.5f) == label;
            jacc += (j_orig[i * JK + ja] >= 0.5f) == label;
        }
        r["accuracy"] = share(acc, n);
        r["judge_accuracy"] = share(jacc, n);
        // Decode every face with the attribute at 0 and at 1; the judge rules.
        Floats edit[2];
        std::vector<float> j_edit[2];
        for (int t = 0; t < 2; ++t) {
            std::vector<float> y = yp;
            for (size_t i = 0; i < n; ++i) y[i * K + a] = float(t);
            edit[t] = decode_all(m, mu, y, n, o.batch);
            std::vector<uint8_t> bytes = to_bytes(edit[t]);
            j_edit[t] = classify_all(judge, bytes.data(), n, c.size, o.batch);
            bar.update(++stage);
        }
        size_t cnt[2] = {0, 0}, hit[2][2] = {{0, 0}, {0, 0}}, flip_hit = 0;
        size_t keep_o = 0, keep_r = 0, keep_n = 0;
        for (size_t i = 0; i < n; ++i) {
            int label = ds.label(idx[i], da);
            ++cnt[label];
            for (int t = 0; t < 2; ++t) hit[label][t] += (j_edit[t][i * JK + ja] >= 0.5f) == bool(t);
            int target = 1 - label;
            flip_hit += (j_edit[target][i * JK + ja] >= 0.5f) == bool(target);
            for (size_t b = 0; b < JK; ++b) {
                if (b == ja) continue;
                bool after = j_edit[target][i * JK + b] >= 0.5f;
                keep_o += after == (j_orig[i * JK + b] >= 0.5f);
                keep_r += after == (j_rec[i * JK + b] >= 0.5f);
                ++keep_n;
            }
        }
        r["edit"] = {{"to_1", share(hit[0][1], cnt[0])},
                     {"to_0", share(hit[1][0], cnt[1])},
                     {"flip", share(flip_hit, n)},
                     {"with_attribute", {{"set_0", share(hit[1][0], cnt[1])}, {"set_1", share(hit[1][1], cnt[1])}, {"count", cnt[1]}}},
                     {"without_attribute", {{"set_0", share(hit[0][0], cnt[0])}, {"set_1", share(hit[0][1], cnt[0])}, {"count", cnt[0]}}}};
        r["preservation"] = {{"vs_original", keep_n ? share(keep_o, keep_n) : 1.0},
                             {"vs_reconstruction", keep_n ? share(keep_r, keep_n) : 1.0},
                             {"other_attributes", JK - 1}};
        // Leakage: a fresh probe on the train split's mu, scored on this split.
        size_t pos = 0;
        for (size_t i = 0; i < n; ++i) pos += ds.label(idx[i], da);
        double majority = share(std::max(pos, n - pos), n);
        if (!tr.empty()) {
            std::vector<uint8_t> ytr(tr.size()), yte(n);
            for (size_t i = 0; i < tr.size(); ++i) ytr[i] = ds.label(tr[i], da);
            for (size_t i = 0; i < n; ++i) yte[i] = ds.label(idx[i], da);
            LogisticProbe probe;
            probe.fit(mu_tr, ytr, size_t(c.nz));
            r["leakage"] = {{"probe_accuracy", probe.accuracy(mu, yte)}, {"majority", majority}, {"probe_train", tr.size()}};
        } else {
            r["leakage"] = {{"probe_accuracy", nullptr}, {"majority", majority}, {"probe_train", 0}};
        }
        // Counterfactuals: the flipped edit against the true flipped face.
        Floats flipped;
        flipped.n = n;
        flipped.pix = orig.pix;
        flipped.v.resize(orig.v.size());
        for (size_t i = 0; i < n; ++i) {
            int target = 1 - ds.label(idx[i], da);
            std::copy(edit[target].at(i), edit[target].at(i) + orig.pix, flipped.at(i));
        }
        Floats cf_row;
        if (has_cf) {
            double e_cf = 0, p_cf = 0, e_rec = 0, p_rec = 0;
            size_t found = 0;
            cf_row.n = show;
            cf_row.pix = orig.pix;
            cf_row.v.assign(show * orig.pix, 1.0f);
            for (size_t i = 0; i < n; ++i) {
                std::string f = join_path(cf_dir, stem(ds.files[idx[i]]) + "_" + name + ".png");
                if (!file_exists(f)) continue;
                Image cf = load_prepared(f, co.crop, c.size);
                std::vector<uint8_t> chw(orig.pix);
                to_chw(cf, chw.data());
                std::vector<float> cff(chw.begin(), chw.end());
                for (float& v : cff) v /= 255.0f;
                double e = mse(flipped.at(i), cff.data(), orig.pix), er = mse(rec.at(i), orig.at(i), orig.pix);
                e_cf += e;
                p_cf += psnr_from_mse(e);
                e_rec += er;
                p_rec += psnr_from_mse(er);
                if (i < show) std::copy(cff.begin(), cff.end(), cf_row.at(i));
                ++found;
            }
            if (found) {
                r["counterfactual"] = {{"count", found},
                                       {"edit_mse", e_cf / double(found)},
                                       {"edit_psnr", p_cf / double(found)},
                                       {"rec_mse", e_rec / double(found)},
                                       {"rec_psnr", p_rec / double(found)},
                                       {"ratio", e_rec > 0 ? e_cf / e_rec : 0.0}};
            }
        }
        add_row(flipped);
        if (has_cf && r.contains("counterfactual")) add_row(cf_row);
        std::snprintf(line, sizeof line, "  %s\n    y-hat accuracy %s (judge %s)\n", name.c_str(),
                      pct(r["accuracy"]).c_str(), pct(r["judge_accuracy"]).c_str());
        table += line;
        std::snprintf(line, sizeof line, "    edit success  to 1 %s  to 0 %s  flip %s\n", pct(r["edit"]["to_1"]).c_str(),
                      pct(r["edit"]["to_0"]).c_str(), pct(r["edit"]["flip"]).c_str());
        table += line;
        std::snprintf(line, sizeof line, "    preservation  %s of other attributes kept (vs reconstruction %s)\n",
                      pct(r["preservation"]["vs_original"]).c_str(), pct(r["preservation"]["vs_reconstruction"]).c_str());
        table += line;
        if (!r["leakage"]["probe_accuracy"].is_null()) {
            std::snprintf(line, sizeof line, "    leakage       probe on z %s, majority %s\n",
                          pct(r["leakage"]["probe_accuracy"]).c_str(), pct(majority).c_str());
            table += line;
        }
        if (r.contains("counterfactual")) {
            std::snprintf(line, sizeof line, "    counterfactual MSE %.5f vs reconstruction %.5f (ratio %.2f)\n",
                          r["counterfactual"]["edit_mse"].get<double>(), r["counterfactual"]["rec_mse"].get<double>(),
                          r["counterfactual"]["ratio"].get<double>());
            table += line;
        }
        attrs[name] = r;
    }
    report["attributes"] = attrs;
    bar.finish();
    if (!o.sheet.empty()) write_png(o.sheet, grid(sheet, int(show), 2));
    return report;
}

}  // namespace ifgan
