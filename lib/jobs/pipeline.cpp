#include "jobs/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/cli.hpp"  // write_stdout
#include "core/image.hpp"
#include "core/util.hpp"

namespace ifgan {

ImageCache load_inputs(const std::vector<std::string>& inputs, const ModelConfig& c, int threads) {
    Crop crop = parse_crop(c.crop);
    std::vector<std::string> files;
    for (const auto& p : inputs)
        if (p != "-") files.push_back(p);
    CacheOptions co;
    co.size = c.size;
    co.crop = crop;
    co.threads = threads;
    ImageCache got = build_cache(files, co);
    if (files.size() == inputs.size()) return got;
    if (inputs.size() - files.size() > 1) throw UsageError("'-' (stdin) may be named only once");
    // Splice the stdin image into its place.
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    Image img = prepare(decode_image(bytes.data(), bytes.size(), "stdin"), crop, c.size);
    ImageCache out;
    out.size = c.size;
    out.count = inputs.size();
    out.data.resize(out.count * out.image_bytes());
    size_t from = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        uint8_t* dst = out.data.data() + i * out.image_bytes();
        if (inputs[i] == "-")
            to_chw(img, dst);
        else
            std::copy(got.image(from), got.image(from) + got.image_bytes(), dst), ++from;
    }
    return out;
}

void encode_images(const Model& m, const std::vector<std::string>& inputs, const EncodeOptions& o, const LineSink& emit) {
    const ModelConfig& c = m.config();
    for_each_batch(inputs.size(), size_t(std::max(1, o.batch)), [&](size_t s, size_t n) {
        std::vector<std::string> chunk(inputs.begin() + long(s), inputs.begin() + long(s + n));
        ImageCache imgs = load_inputs(chunk, c, o.threads);
        std::vector<float> z(chunk.size() * size_t(c.nz)), y(chunk.size() * c.k());
        // The seed is per image position so that --sample is reproducible.
        m.encode(imgs.data.data(), chunk.size(), o.sample, o.seed + s, z.data(), y.data());
        std::string lines;
        for (size_t i = 0; i < chunk.size(); ++i) {
            Record r;
            r.id = chunk[i];
            r.model = m.fingerprint();
            r.has_z = true;
            r.z.assign(z.begin() + long(i * size_t(c.nz)), z.begin() + long((i + 1) * size_t(c.nz)));
            for (size_t a = 0; a < c.k(); ++a) r.y.emplace_back(c.attrs[a], y[i * c.k() + a]);
            lines += format_record(r);
        }
        emit(lines);
    });
}

void record_to_inputs(const Model& m, const Record& r, const std::string& where, bool force, float* z, float* y) {
    const ModelConfig& c = m.config();
    if (!force && r.model != m.fingerprint())
        throw Error(where + ": the record is from model " + (r.model.empty() ? "(none)" : r.model) + ", but " +
                    m.path() + " is model " + m.fingerprint() + " (use --force to decode anyway)");
    if (!r.has_z) throw Error(where + ": the record has no \"z\"");
    if (r.z.size() != size_t(c.nz))
        throw Error(where + ": z has " + std::to_string(r.z.size()) + " numbers, the model needs " +
                    std::to_string(c.nz));
    std::copy(r.z.begin(), r.z.end(), z);
    for (size_t a = 0; a < c.k(); ++a) {
        const float* v = r.find_y(c.attrs[a]);
        if (!v) throw Error(where + ": the record has no value for attribute '" + c.attrs[a] + "'");
        y[a] = *v;
    }
}

namespace {

std::string output_name(const Record& r, const std::string& suffix) {
    std::string base = r.id == "-" ? "stdin" : stem(r.id);
    if (base.empty()) base = "image";
    if (r.extra.contains("step") && r.extra["step"].is_number_integer()) {
        char b[32];
        std::snprintf(b, sizeof b, "-%03d", r.extra["step"].get<int>());
        base += suffix + b;
    } else {
        base += suffix;
    }
    return base + ".png";
}

}  // namespace

size_t decode_stream(const Model& m, RecordReader& in, const DecodeOptions& o) {
    const ModelConfig& c = m.config();
    if (!o.out_dir.empty()) make_dirs(o.out_dir);
    const size_t B = size_t(std::max(1, o.batch)), pix = 3 * size_t(c.size) * c.size;
    std::vector<Record> pending;
    std::vector<std::vector<Image>> sheet_rows;
    std::string last_id;
    size_t made = 0;
    std::vector<uint8_t> png_out;
    auto flush = [&] {
        if (pending.empty()) return;
        size_t n = pending.size();
        std::vector<float> z(n * size_t(c.nz)), y(n * c.k()), img(n * pix);
        for (size_t i = 0; i < n; ++i)
            record_to_inputs(m, pending[i], in.name() + ":" + std::to_string(pending[i].line), o.force,
                             &z[i * size_t(c.nz)], &y[i * c.k()]);
        m.decode(z.data(), y.data(), n, img.data());
        for (size_t i = 0; i < n; ++i) {
            Image im = from_chw_float(&img[i * pix], c.size, c.size);
            if (!o.out_dir.empty()) write_png(join_path(o.out_dir, output_name(pending[i], o.suffix)), im, false);
            if (o.to_stdout) png_out = encode_png(im);
            if (!o.sheet.empty()) {
                if (sheet_rows.empty() || pending[i].id != last_id) sheet_rows.emplace_back();
                sheet_rows.back().push_back(im);
                last_id = pending[i].id;
            }
        }
        made += n;
        pending.clear();
    };
    Record r;
    while (in.next(r)) {
        if (o.to_stdout && made + pending.size() >= 1)
            throw Error(in.name() + ":" + std::to_string(r.line) +
                        ": -o - writes one image, but more than one record arrived");
        pending.push_back(r);
        if (pending.size() >= B) flush();
    }
    flush();
    if (made == 0) throw Error(in.name() + ": no records to decode");
    if (!o.sheet.empty()) {
        size_t cols = 0;
        for (auto& row : sheet_rows) cols = std::max(cols, row.size());
        std::vector<Image> cells;
        for (auto& row : sheet_rows)
            for (size_t i = 0; i < cols; ++i) cells.push_back(i < row.size() ? row[i] : Image(c.size, c.size, 255));
        write_png(o.sheet, grid(cells, int(cols), 2));
    }
    if (o.to_stdout) write_stdout(png_out.data(), png_out.size());
    return made;
}

namespace {

void classify_batch(const Model& m, const ImageCache& imgs, const std::vector<std::string>& ids, const ClassifyOptions& o,
                    std::vector<float>& probs, std::string& lines) {
    const ModelConfig& c = m.config();
    probs.assign(ids.size() * c.k(), 0);
    m.classify(imgs.data.data(), ids.size(), probs.data());
    for (size_t i = 0; i < ids.size(); ++i) {
        Record r;
        r.id = ids[i];
        r.model = m.fingerprint();
        for (size_t a = 0; a < c.k(); ++a) {
            float p = probs[i * c.k() + a];
            r.y.emplace_back(c.attrs[a], o.threshold >= 0 ? (p >= o.threshold ? 1.0f : 0.0f) : p);
        }
        lines += format_record(r);
    }
}

}  // namespace

void classify_images(const Model& m, const std::vector<std::string>& inputs, const ClassifyOptions& o,
                     const LineSink& emit) {
    for_each_batch(inputs.size(), size_t(std::max(1, o.batch)), [&](size_t s, size_t n) {
        std::vector<std::string> chunk(inputs.begin() + long(s), inputs.begin() + long(s + n));
        ImageCache imgs = load_inputs(chunk, m.config(), o.threads);
        std::vector<float> probs;
        std::string lines;
        classify_batch(m, imgs, chunk, o, probs, lines);
        emit(lines);
    });
}

std::string classify_dataset(const Model& m, const std::string& dir, const std::string& split,
                             const ClassifyOptions& o, const LineSink& emit) {
    const ModelConfig& c = m.config();
    Dataset ds = load_dataset(dir, c.attrs);
    std::vector<size_t> idx = ds.indices(parse_split(split));
    if (idx.empty()) throw Error(dir + ": the " + split + " split is empty");
    const double thr = o.threshold >= 0 ? o.threshold : 0.5;
    std::vector<double> correct(c.k(), 0);
    Progress bar("classifying", idx.size());
    for_each_batch(idx.size(), size_t(std::max(1, o.batch)), [&](size_t s, size_t n) {
        std::vector<size_t> part(idx.begin() + long(s), idx.begin() + long(s + n));
        std::vector<std::string> ids;
        for (size_t i : part) ids.push_back(ds.path(i));
        CacheOptions co;
        co.size = c.size;
        co.crop = parse_crop(c.crop);
        co.threads = o.threads;
        ImageCache imgs = build_cache(ids, co);
        std::vector<float> probs;
        std::string lines;
        classify_batch(m, imgs, ids, o, probs, lines);
        for (size_t i = 0; i < part.size(); ++i)
            for (size_t a = 0; a < c.k(); ++a)
                correct[a] += (probs[i * c.k() + a] >= thr) == bool(ds.label(part[i], a));
        if (!o.summary_only) emit(lines);
        bar.update(s + part.size());
    });
    bar.finish();
    nlohmann::ordered_json acc;
    for (size_t a = 0; a < c.k(); ++a) acc[c.attrs[a]] = correct[a] / double(idx.size());
    nlohmann::ordered_json summary = {{"summary", true}, {"model", m.fingerprint()}, {"data", dir},
                                      {"split", split}, {"count", idx.size()}, {"accuracy", acc}};
    return summary.dump() + "\n";
}

}  // namespace ifgan
