#include "jobs/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cxxopts.hpp>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "core/cli.hpp"  // write_stdout
#include "core/align.hpp"
#include "core/image.hpp"
#include "core/log.hpp"
#include "core/util.hpp"

namespace ifgan {

namespace {

bool is_align_record(const std::string& input) {
    size_t i = input.find_first_not_of(" \t");
    return i != std::string::npos && input[i] == '{';
}

// An ifgan-align record: the photo is warped straight onto the model's
// frame by the similarity that takes its landmarks there (one resampling).
FaceSource align_source(const std::string& input, const std::string& where, const ModelConfig& c, Image& face) {
    AlignRecord r = parse_align_record(input, where);
    FaceSource f;
    f.id = r.id;
    f.path = r.source;
    f.landmarks = r.landmarks;
    f.has_landmarks = true;
    f.to_model = landmarks_to_model(f.landmarks, c);
    Image photo = read_image(f.path);
    f.width = photo.width, f.height = photo.height;
    face = warp_affine(photo, f.to_model, c.size, c.size);
    return f;
}

// A plain image: the crop and resize that build_cache applies.
FaceSource plain_source(const std::string& path, const ModelConfig& c) {
    FaceSource f;
    f.id = f.path = path;
    std::vector<uint8_t> bytes = read_file(path);
    image_dimensions(bytes.data(), bytes.size(), path, f.width, f.height);
    f.to_model = crop_transform(parse_crop(c.crop), f.width, f.height, c.size);
    return f;
}

}  // namespace

Affine landmarks_to_model(const Landmarks& l, const ModelConfig& c) { return fit_similarity(l, model_frame(c.frame, c.size)); }

std::vector<uint8_t> encode_like_photo(const Image& pasted, bool jpeg) {
    return jpeg ? encode_jpeg(pasted, 95) : encode_png(pasted);
}

ImageCache load_inputs(const std::vector<std::string>& inputs, const ModelConfig& c, int threads, size_t first,
                       std::vector<FaceSource>* sources) {
    Crop crop = parse_crop(c.crop);
    // Read in parallel by build_cache. A pipe or device (`<(cat face.png)`)
    // can be read only once: it is read below, as stdin is.
    auto streamed = [](const std::string& p) { return p == "-" || is_stream(p); };
    std::vector<std::string> files;
    for (const auto& p : inputs)
        if (!streamed(p) && !is_align_record(p)) files.push_back(p);
    if (std::count(inputs.begin(), inputs.end(), "-") > 1) throw UsageError("'-' (stdin) may be named only once");
    CacheOptions co;
    co.size = c.size;
    co.crop = crop;
    co.threads = threads;
    ImageCache got = build_cache(files, co);
    if (sources) sources->assign(inputs.size(), FaceSource());
    if (files.size() == inputs.size() && !sources) return got;
    // Splice the others into their places: the stdin image, aligned faces.
    ImageCache out;
    out.size = c.size;
    out.count = inputs.size();
    out.data.resize(out.count * out.image_bytes());
    size_t from = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        uint8_t* dst = out.data.data() + i * out.image_bytes();
        FaceSource src;
        if (inputs[i] == "-") {
            check_stdin();
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
            to_chw(prepare(decode_image(bytes.data(), bytes.size(), "stdin"), crop, c.size), dst);
            src.id = "-";
        } else if (streamed(inputs[i])) {
            // No source: what it held cannot be read again (--paste, skips).
            std::vector<uint8_t> bytes = read_file(inputs[i]);
            to_chw(prepare(decode_image(bytes.data(), bytes.size(), inputs[i]), crop, c.size), dst);
            src.id = inputs[i];
        } else if (is_align_record(inputs[i])) {
            Image face;
            src = align_source(inputs[i], "stdin:" + std::to_string(first + i + 1), c, face);
            to_chw(face, dst);
        } else {
            if (sources) src = plain_source(inputs[i], c);
            std::copy(got.image(from), got.image(from) + got.image_bytes(), dst), ++from;
        }
        if (sources) (*sources)[i] = std::move(src);
    }
    return out;
}

namespace {

// Runs `chunk_fn` on chunks of `batch` inputs. When a chunk fails (an
// unreadable image), its inputs are taken one at a time, so that the good
// ones before the bad one are written before the error stops the tool.
template <class F>
void for_each_chunk(const std::vector<std::string>& inputs, int batch, F&& chunk_fn) {
    for_each_batch(inputs.size(), size_t(std::max(1, batch)), [&](size_t s, size_t n) {
        std::vector<std::string> chunk(inputs.begin() + long(s), inputs.begin() + long(s + n));
        try {
            chunk_fn(chunk, s);
        } catch (const Error&) {
            if (n == 1) throw;
            for (size_t i = 0; i < n; ++i) chunk_fn({chunk[i]}, s + i);
        }
    });
}

}  // namespace

namespace {

nlohmann::ordered_json source_json(const FaceSource& f, const Record& r) {
    nlohmann::ordered_json s = {{"path", f.path}, {"width", f.width}, {"height", f.height}};
    std::array<double, 6> t = to_array(f.to_model);
    s["to_model"] = std::vector<double>(t.begin(), t.end());
    if (f.has_landmarks) {
        nlohmann::ordered_json marks = nlohmann::ordered_json::array();
        for (size_t i = 0; i < 5; ++i) marks.push_back({f.landmarks.x[i], f.landmarks.y[i]});
        s["landmarks"] = marks;
    }
    nlohmann::ordered_json y = nlohmann::ordered_json::object();
    for (const auto& [a, v] : r.y) y[a] = v;  // the unedited estimate: --paste decodes it too
    s["y"] = y;
    return s;
}

}  // namespace

void encode_images(const Model& m, const std::vector<std::string>& inputs, const EncodeOptions& o, const LineSink& emit) {
    const ModelConfig& c = m.config();
    for_each_chunk(inputs, o.batch, [&](const std::vector<std::string>& chunk, size_t s) {
        std::vector<FaceSource> src;
        ImageCache imgs = load_inputs(chunk, c, o.threads, s, &src);
        std::vector<float> z(chunk.size() * size_t(c.nz)), y(chunk.size() * c.k());
        // The seed is per image position so that --sample is reproducible.
        m.encode(imgs.pixels(), chunk.size(), o.sample, o.seed + s, z.data(), y.data());
        std::string lines;
        for (size_t i = 0; i < chunk.size(); ++i) {
            Record r;
            r.id = src[i].id;
            r.model = m.fingerprint();
            r.has_z = true;
            r.z.assign(z.begin() + long(i * size_t(c.nz)), z.begin() + long((i + 1) * size_t(c.nz)));
            for (size_t a = 0; a < c.k(); ++a) r.y.emplace_back(c.attrs[a], y[i * c.k() + a]);
            if (!src[i].path.empty()) r.extra["source"] = source_json(src[i], r);
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

namespace {

// The output files of one stream: no two records may write one file.
class OutputClaims {
public:
    explicit OutputClaims(const std::string& dir) : dir_(dir) {}
    void claim(const std::string& name, const std::string& where) {
        auto [it, fresh] = names_.emplace(name, where);
        if (!fresh)
            throw Error(where + ": its output " + join_path(dir_, name) + " would overwrite that of " + it->second +
                        " (ids with the same file name; decode them into separate directories)");
    }

private:
    std::string dir_;
    std::map<std::string, std::string> names_;  // file name -> the record that claimed it
};

// Reads the records of `in`, handing each to take(record, where), which
// gathers it or throws Error for a bad one (gathering nothing of it), and
// calls flush() after every `batch` records and at the end. When a record is
// bad, those gathered before it are still flushed before the error goes on.
template <class Take, class Flush>
void for_record_batches(RecordReader& in, size_t batch, Take&& take, Flush&& flush) {
    Record r;
    size_t gathered = 0;
    try {
        while (in.next(r)) {
            take(r, in.name() + ":" + std::to_string(r.line));
            if (++gathered >= batch) flush(), gathered = 0;
        }
    } catch (const Error&) {
        flush();
        throw;
    }
    flush();
}

// Where decoded images go: --out files (no two records may write one file),
// stdout, and the sheet's rows.
class DecodeOutputs {
public:
    DecodeOutputs(const DecodeOptions& o, int size) : o_(o), size_(size), claims_(o.out_dir) {
        if (!o.out_dir.empty()) make_dirs(o.out_dir);
    }
    // The record's output file; refuses one that another record of the
    // stream already names. Empty without --out.
    std::string claim(const Record& r, const std::string& where) {
        if (o_.out_dir.empty()) return "";
        std::string name = output_name(r, o_.suffix);
        claims_.claim(name, where);
        return name;
    }
    void add(const Record& r, const std::string& name, const Image& im) {
        if (!name.empty()) write_png(join_path(o_.out_dir, name), im, false);
        if (o_.to_stdout) png_ = encode_png(im);
        if (!o_.sheet.empty()) {
            if (rows_.empty() || r.id != last_id_) rows_.emplace_back();
            rows_.back().push_back(im);
            last_id_ = r.id;
        }
    }
    void finish() {
        if (!o_.sheet.empty() && !rows_.empty()) {
            size_t cols = 0;
            for (auto& row : rows_) cols = std::max(cols, row.size());
            std::vector<Image> cells;
            for (auto& row : rows_)
                for (size_t i = 0; i < cols; ++i) cells.push_back(i < row.size() ? row[i] : Image(size_, size_, 255));
            write_png(o_.sheet, grid(cells, int(cols), 2));
        }
        if (o_.to_stdout) write_stdout(png_.data(), png_.size());
    }

private:
    const DecodeOptions& o_;
    int size_;
    OutputClaims claims_;
    std::vector<std::vector<Image>> rows_;
    std::string last_id_;
    std::vector<uint8_t> png_;
};

}  // namespace

namespace {

// What --paste needs of a record: its photo, the photo's transform into the
// model's input, and the unedited estimate.
struct PasteSource {
    std::string path;
    int width = 0, height = 0;
    Affine to_model;
    bool aligned = false;  // by landmarks (ifgan-align), not a crop of the file
    std::vector<float> y0;
};

PasteSource paste_source(const ModelConfig& c, const Record& r, const std::string& where) {
    if (!r.extra.contains("source") || !r.extra["source"].is_object())
        throw Error(where + ": the record has no \"source\" (made by ifgan-encode from a photo file, not stdin)");
    const auto& s = r.extra["source"];
    PasteSource p;
    try {
        p.path = s.at("path").get<std::string>();
        p.width = s.at("width").get<int>();
        p.height = s.at("height").get<int>();
        std::array<double, 6> t = s.at("to_model").get<std::array<double, 6>>();
        p.to_model = affine_from_array(t);
        for (const auto& a : c.attrs) p.y0.push_back(s.at("y").at(a).get<float>());
        p.aligned = s.contains("landmarks");
    } catch (const std::exception&) {
        throw Error(where + ": a damaged \"source\" (path, width, height, to_model, y)");
    }
    return p;
}

// The face as ifgan-encode gave it to the model (a decoder with skips reads
// its features again): the photo warped by the transform its landmarks
// gave, or the file cropped and resized as the model was trained.
void source_face(const PasteSource& s, const ModelConfig& c, uint8_t* chw) {
    if (!s.aligned) return to_chw(load_prepared(s.path, parse_crop(c.crop), c.size), chw);
    Image photo = read_image(s.path);
    if (photo.width != s.width || photo.height != s.height)
        throw Error(s.path + ": is " + std::to_string(photo.width) + "x" + std::to_string(photo.height) + " now, " +
                    std::to_string(s.width) + "x" + std::to_string(s.height) + " when it was encoded");
    to_chw(warp_affine(photo, s.to_model, c.size, c.size), chw);
}

}  // namespace

void add_paste_style_options(cxxopts::Options& opts, const std::string& group) {
    const PasteStyle d;
    opts.add_options(group)("feather", "pasting an edit: the share of the face square over which it fades in (0 to 0.5)",
                            cxxopts::value<double>()->default_value(short_number(d.feather)), "X")(
        "replace", "pasting an edit: where edit and reconstruction differ by this much, the edit replaces the photo "
                   "(0: only add the difference)",
        cxxopts::value<double>()->default_value(short_number(d.replace)), "X");
}

void add_edit_options(cxxopts::Options& opts, const std::string& group) {
    const EditStyle d;
    opts.add_options(group)("edit-passes",
                            "a model with skips: how many times an edit draws the region it withholds, each pass "
                            "from the code of the last edit (1: once, from the photo's code)",
                            cxxopts::value<int>()->default_value(std::to_string(d.passes)), "N")(
        "edit-floor",
        "a model with skips: where an edit differs from the reconstruction by less than this in every channel, and "
        "so does the decoder's own change, the photo is kept (0: the edit as drawn)",
        cxxopts::value<double>()->default_value(short_number(d.floor)), "X");
}

EditStyle edit_style_options(const cxxopts::ParseResult& r) {
    EditStyle s;
    s.passes = r["edit-passes"].as<int>();
    s.floor = r["edit-floor"].as<double>();
    s.check("--edit-passes", "--edit-floor");
    return s;
}

PasteStyle paste_style_options(const cxxopts::ParseResult& r) {
    PasteStyle s;
    s.feather = r["feather"].as<double>();
    s.replace = r["replace"].as<double>();
    s.check();
    return s;
}

void PasteStyle::check() const {
    if (!(feather >= 0 && feather <= 0.5)) throw UsageError("--feather must be between 0 and 0.5");
    if (!(replace >= 0 && replace <= 1)) throw UsageError("--replace must be between 0 and 1");
}

Image paste_edit(const Image& photo, const float* edit, const float* rec, int size, const Affine& to_model,
                 const PasteStyle& style) {
    std::vector<float> delta(3 * size_t(size) * size);
    for (size_t i = 0; i < delta.size(); ++i) delta[i] = edit[i] - rec[i];
    const double feather = style.feather * size;
    if (style.replace <= 0) return paste_delta(photo, delta.data(), size, to_model, feather);
    std::vector<float> mask = replace_mask(edit, rec, size, style.replace);
    return paste_delta(photo, delta.data(), size, to_model, feather, edit, mask.data());
}

namespace {

// One record waiting for --paste.
struct PendingPaste {
    std::string where, name;  // name: the output's, without its extension (the photo's format decides)
    PasteSource src;
};

// Reads the record's photo and adds the decoded change; the file's bytes in
// the photo's own format (encode_like_photo).
struct PastedFile {
    std::string path;
    std::vector<uint8_t> bytes;
};
PastedFile paste_one(const PendingPaste& p, const float* edit, const float* rec, int size, const DecodeOptions& o) {
    std::vector<uint8_t> bytes = read_file(p.src.path);
    Image photo = decode_image(bytes.data(), bytes.size(), p.src.path);
    if (photo.width != p.src.width || photo.height != p.src.height)
        throw Error(p.where + ": " + p.src.path + " is " + std::to_string(photo.width) + "x" + std::to_string(photo.height) +
                    " now, " + std::to_string(p.src.width) + "x" + std::to_string(p.src.height) + " when it was encoded");
    Image out = paste_edit(photo, edit, rec, size, p.src.to_model, o.style);
    const bool jpeg = is_jpeg(bytes.data(), bytes.size());
    return {join_path(o.out_dir, p.name) + (jpeg ? ".jpg" : ".png"), encode_like_photo(out, jpeg)};
}

// Pastes n records, `threads` at a time (reading, pasting and compressing a
// photo is most of the work), and writes them in order: those before a bad
// record are written, it and those after it are not.
void write_pasted(const std::vector<PendingPaste>& pending, const float* img, size_t pix, int size,
                  const DecodeOptions& o) {
    const size_t n = pending.size(), at_once = size_t(std::max(1, o.threads));
    for_each_batch(n, at_once, [&](size_t first, size_t count) {
        std::vector<PastedFile> files(count);
        std::vector<std::exception_ptr> errors(count);
        parallel_for(count, o.threads, [&](size_t j) {
            const size_t i = first + j;
            try {
                files[j] = paste_one(pending[i], &img[i * pix], &img[(n + i) * pix], size, o);
            } catch (...) {
                errors[j] = std::current_exception();
            }
        });
        for (size_t j = 0; j < count; ++j) {
            if (errors[j]) std::rethrow_exception(errors[j]);
            write_file_atomic(files[j].path, files[j].bytes.data(), files[j].bytes.size(), false);
        }
    });
}

}  // namespace

size_t paste_stream(const Model& m, RecordReader& in, const DecodeOptions& o) {
    const ModelConfig& c = m.config();
    const size_t pix = 3 * size_t(c.size) * c.size, nz = size_t(c.nz), k = c.k();
    make_dirs(o.out_dir);
    OutputClaims claims(o.out_dir);
    std::vector<PendingPaste> pending;
    std::vector<float> z, y;  // per pending record: its code and its edited estimate
    size_t made = 0;
    auto take = [&](const Record& r, const std::string& where) {
        PendingPaste p;
        p.where = where;
        std::vector<float> zi(nz), yi(k);
        record_to_inputs(m, r, where, o.force, zi.data(), yi.data());
        p.src = paste_source(c, r, where);
        p.name = output_name(r, o.suffix);
        p.name.resize(p.name.size() - 4);  // ".png": write_pasted picks the photo's extension
        claims.claim(p.name, where);
        z.insert(z.end(), zi.begin(), zi.end());
        y.insert(y.end(), yi.begin(), yi.end());
        pending.push_back(std::move(p));
    };
    // The edits and the unedited reconstructions of the batch, from one
    // encoder pass: rows 0..n-1 edited, n..2n-1 unedited.
    auto flush = [&] {
        const size_t n = pending.size();
        if (n == 0) return;
        std::vector<float> y0(n * k), img(2 * n * pix);
        std::vector<uint8_t> faces(m.has_skips() ? n * pix : 0);
        for (size_t i = 0; i < n; ++i) {
            std::copy(pending[i].src.y0.begin(), pending[i].src.y0.end(), &y0[i * k]);
            if (m.has_skips()) source_face(pending[i].src, c, &faces[i * pix]);
        }
        // From the unedited estimate to the edit, and to itself.
        m.edit(faces.data(), z.data(), y0.data(), y.data(), n, img.data(), img.data() + n * pix);
        write_pasted(pending, img.data(), pix, c.size, o);
        made += n;
        pending.clear();
        z.clear();
        y.clear();
    };
    for_record_batches(in, size_t(std::max(1, o.batch)), take, flush);
    if (made == 0) throw Error(in.name() + ": no records to decode");
    return made;
}

namespace {

// A model with skips edits each record's face from its unedited estimate;
// a record without a source photo (its face came on stdin) is decoded from
// (y, z) alone, which the first such record says on stderr.
void decode_with_skips(const Model& m, const std::vector<Record>& recs, const std::string& stream,
                       const std::vector<float>& z, const std::vector<float>& y, std::vector<float>& img, bool& told) {
    const ModelConfig& c = m.config();
    const size_t n = recs.size(), pix = 3 * size_t(c.size) * c.size, k = c.k(), nz = size_t(c.nz);
    std::vector<size_t> with;  // the records with a source, edited together
    std::vector<uint8_t> faces;
    std::vector<float> zs, y0, ys;
    for (size_t i = 0; i < n; ++i) {
        const std::string where = stream + ":" + std::to_string(recs[i].line);
        if (!recs[i].extra.contains("source")) {
            if (!told) message(where + ": no source photo in the record: decoded without the model's skips");
            told = true;
            m.decode(&z[i * nz], &y[i * k], 1, &img[i * pix]);
            continue;
        }
        PasteSource src = paste_source(c, recs[i], where);
        with.push_back(i);
        faces.resize(with.size() * pix);
        source_face(src, c, &faces[(with.size() - 1) * pix]);
        y0.insert(y0.end(), src.y0.begin(), src.y0.end());
        zs.insert(zs.end(), &z[i * nz], &z[i * nz] + nz);
        ys.insert(ys.end(), &y[i * k], &y[i * k] + k);
    }
    if (with.empty()) return;
    std::vector<float> out(with.size() * pix);
    m.edit(faces.data(), zs.data(), y0.data(), ys.data(), with.size(), out.data());
    for (size_t j = 0; j < with.size(); ++j) std::copy_n(&out[j * pix], pix, &img[with[j] * pix]);
}

}  // namespace

size_t decode_stream(const Model& m, RecordReader& in, const DecodeOptions& o) {
    if (o.paste) return paste_stream(m, in, o);
    const ModelConfig& c = m.config();
    const size_t pix = 3 * size_t(c.size) * c.size, nz = size_t(c.nz), k = c.k();
    DecodeOutputs out(o, c.size);
    std::vector<Record> pending;
    std::vector<std::string> names;  // their output files
    std::vector<float> z, y;  // the pending records' decoder inputs, checked as they arrive
    size_t made = 0;
    bool told = false;
    auto take = [&](const Record& r, const std::string& where) {
        if (o.to_stdout && made + pending.size() >= 1)
            throw Error(where + ": -o - writes one image, but more than one record arrived");
        std::vector<float> zi(nz), yi(k);
        record_to_inputs(m, r, where, o.force, zi.data(), yi.data());
        names.push_back(out.claim(r, where));
        z.insert(z.end(), zi.begin(), zi.end());
        y.insert(y.end(), yi.begin(), yi.end());
        pending.push_back(r);
    };
    auto flush = [&] {
        if (pending.empty()) return;
        const size_t n = pending.size();
        std::vector<float> img(n * pix);
        if (m.has_skips())
            decode_with_skips(m, pending, in.name(), z, y, img, told);
        else
            m.decode(z.data(), y.data(), n, img.data());
        for (size_t i = 0; i < n; ++i) out.add(pending[i], names[i], from_chw_float(&img[i * pix], c.size, c.size));
        made += n;
        pending.clear();
        names.clear();
        z.clear();
        y.clear();
    };
    for_record_batches(in, size_t(std::max(1, o.batch)), take, flush);
    if (made == 0) throw Error(in.name() + ": no records to decode");
    out.finish();
    return made;
}

namespace {

void classify_batch(const Model& m, const ImageCache& imgs, const std::vector<std::string>& ids, const ClassifyOptions& o,
                    std::vector<float>& probs, std::string& lines) {
    const ModelConfig& c = m.config();
    probs.assign(ids.size() * c.k(), 0);
    m.classify(imgs.pixels(), ids.size(), probs.data());
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
    for_each_chunk(inputs, o.batch, [&](const std::vector<std::string>& chunk, size_t s) {
        ImageCache imgs = load_inputs(chunk, m.config(), o.threads, s);
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
