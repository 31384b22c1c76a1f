#include "core/align.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/util.hpp"

namespace ifgan {

double Affine::scale() const { return std::sqrt(std::fabs(a * e - b * d)); }

Affine inverse(const Affine& t) {
    double det = t.a * t.e - t.b * t.d;
    if (std::fabs(det) < 1e-12) throw Error("a degenerate face transform (the landmarks coincide)");
    Affine r;
    r.a = t.e / det;
    r.b = -t.b / det;
    r.d = -t.d / det;
    r.e = t.a / det;
    r.c = -(r.a * t.c + r.b * t.f);
    r.f = -(r.d * t.c + r.e * t.f);
    return r;
}

std::array<double, 4> square_bounds(const Affine& t, double side) {
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (double u : {0.0, side})
        for (double v : {0.0, side}) {
            double x, y;
            t.apply(u, v, x, y);
            x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
        }
    return {x0, y0, x1, y1};
}

Affine compose(const Affine& s, const Affine& t) {
    Affine r;
    r.a = s.a * t.a + s.b * t.d;
    r.b = s.a * t.b + s.b * t.e;
    r.c = s.a * t.c + s.b * t.f + s.c;
    r.d = s.d * t.a + s.e * t.d;
    r.e = s.d * t.b + s.e * t.e;
    r.f = s.d * t.c + s.e * t.f + s.f;
    return r;
}

std::array<double, 6> to_array(const Affine& t) { return {t.a, t.b, t.c, t.d, t.e, t.f}; }
Affine affine_from_array(const std::array<double, 6>& v) {
    Affine t;
    t.a = v[0], t.b = v[1], t.c = v[2], t.d = v[3], t.e = v[4], t.f = v[5];
    return t;
}

const Landmarks& celeba_aligned_landmarks() {
    // CelebA made img_align_celeba by placing the eyes at fixed points of a
    // 178 x 218 image, so its list_landmarks_align_celeba.txt varies by a few
    // pixels around these positions (its first row, for one, reads
    // "000001.jpg 69 109 106 113 77 142 73 152 108 154"). Rounded typical
    // values; the mouth corners and nose vary most, with expression and pose.
    static const Landmarks l = {{69.5, 108.5, 88.5, 72.5, 106.5}, {111.5, 111.5, 134.5, 152.5, 152.5}};  // centres
    return l;
}

Affine crop_transform(Crop c, int w, int h, int size) {
    Box b = crop_box(c, w, h);
    Affine t;
    t.a = double(size) / b.w, t.c = -b.x * t.a;
    t.e = double(size) / b.h, t.f = -b.y * t.e;
    return t;
}

Affine similarity(double degrees, double scale, double tx, double ty) {
    const double a = degrees * 3.141592653589793 / 180;
    Affine t;
    t.a = scale * std::cos(a), t.b = -scale * std::sin(a), t.c = tx;
    t.d = scale * std::sin(a), t.e = scale * std::cos(a), t.f = ty;
    return t;
}

Landmarks model_frame(const std::vector<double>& frame, int size) {
    if (frame.size() == 10) {
        Landmarks l;
        for (size_t i = 0; i < 5; ++i) l.x[i] = frame[2 * i], l.y[i] = frame[2 * i + 1];
        return l;
    }
    return transform(crop_transform(Crop::celeba, kAlignedWidth, kAlignedHeight, size), celeba_aligned_landmarks());
}

Affine fit_similarity(const Landmarks& from, const Landmarks& to) {
    double mfx = 0, mfy = 0, mtx = 0, mty = 0;
    for (int i = 0; i < 5; ++i) mfx += from.x[i], mfy += from.y[i], mtx += to.x[i], mty += to.y[i];
    mfx /= 5, mfy /= 5, mtx /= 5, mty /= 5;
    double sxx = 0, sc = 0, ss = 0;
    for (int i = 0; i < 5; ++i) {
        double fx = from.x[i] - mfx, fy = from.y[i] - mfy, tx = to.x[i] - mtx, ty = to.y[i] - mty;
        sxx += fx * fx + fy * fy;
        sc += fx * tx + fy * ty;
        ss += fx * ty - fy * tx;
    }
    if (sxx < 1e-9) throw Error("the five landmarks coincide");
    // The rotation-and-scale [p -q; q p] minimising the squared error.
    double p = sc / sxx, q = ss / sxx;
    Affine t;
    t.a = p, t.b = -q, t.d = q, t.e = p;
    t.c = mtx - (p * mfx - q * mfy);
    t.f = mty - (q * mfx + p * mfy);
    return t;
}

AlignedFace align_face(const Image& photo, const Landmarks& l) {
    AlignedFace f;
    f.to_aligned = fit_similarity(l, celeba_aligned_landmarks());
    f.crop = warp_affine(photo, f.to_aligned, kAlignedWidth, kAlignedHeight);
    Box region = crop_box(Crop::celeba, kAlignedWidth, kAlignedHeight);
    Affine back = inverse(f.to_aligned);
    double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
    for (double ax : {region.x, region.x + region.w})
        for (double ay : {region.y, region.y + region.h}) {
            double u, v;
            back.apply(ax, ay, u, v);
            x0 = std::min(x0, u), x1 = std::max(x1, u), y0 = std::min(y0, v), y1 = std::max(y1, v);
        }
    f.box = {int(std::lround(x0)), int(std::lround(y0)), int(std::lround(x1 - x0)), int(std::lround(y1 - y0))};
    return f;
}

Landmarks transform(const Affine& t, const Landmarks& l) {
    Landmarks r;
    for (int i = 0; i < 5; ++i) t.apply(l.x[i], l.y[i], r.x[i], r.y[i]);
    return r;
}

std::map<std::string, Landmarks> read_landmark_file(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw Error(path + ": cannot open");
    return parse_landmark_file(f, path);
}

AlignRecord parse_align_record(const std::string& line, const std::string& where) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(where + ": not a JSON record");
    if (j.contains("error")) throw Error(where + ": the aligner found no face there: " + j["error"].dump());
    AlignRecord r;
    try {
        r.id = j.at("id").get<std::string>();
        r.source = j.at("source").get<std::string>();
        const auto& marks = j.at("landmarks");
        if (!marks.is_array() || marks.size() != 5) throw std::invalid_argument("five landmarks");
        for (size_t i = 0; i < 5; ++i) {
            r.landmarks.x[i] = marks[i].at(0).get<double>();
            r.landmarks.y[i] = marks[i].at(1).get<double>();
            if (!std::isfinite(r.landmarks.x[i]) || !std::isfinite(r.landmarks.y[i]))
                throw std::invalid_argument("finite landmarks");
        }
    } catch (const std::exception&) {
        throw Error(where + ": an align record needs \"id\", \"source\" and five [x, y] \"landmarks\"");
    }
    return r;
}

std::map<std::string, Landmarks> parse_landmark_file(std::istream& f, const std::string& path) {
    std::map<std::string, Landmarks> out;
    std::string line;
    size_t n = 0;
    while (std::getline(f, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> w = split_ws(line);
        if (w.empty()) continue;
        if (n == 1 && w.size() == 1) continue;  // the count
        if (w[0] == "lefteye_x") continue;      // the header
        if (w.size() != 11)
            throw Error(path + ":" + std::to_string(n) + ": expected a name and 10 numbers, found " +
                        std::to_string(w.size()) + " fields");
        Landmarks l;
        for (int i = 0; i < 10; ++i) {
            char* end = nullptr;
            double v = std::strtod(w[size_t(i) + 1].c_str(), &end);
            if (*end || !std::isfinite(v))
                throw Error(path + ":" + std::to_string(n) + ": '" + w[size_t(i) + 1] + "' is not a number");
            (i % 2 ? l.y : l.x)[size_t(i / 2)] = v + 0.5;  // a pixel index: its centre
        }
        if (!out.emplace(w[0], l).second) throw Error(path + ":" + std::to_string(n) + ": '" + w[0] + "' listed twice");
    }
    return out;
}

std::string format_landmark_file(const std::map<std::string, Landmarks>& all) {
    std::ostringstream o;
    o << all.size() << "\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y\n";
    for (const auto& [name, l] : all) {
        o << name;
        for (int i = 0; i < 5; ++i) o << ' ' << std::lround(l.x[i] - 0.5) << ' ' << std::lround(l.y[i] - 0.5);
        o << '\n';
    }
    return o.str();
}

namespace {

// Bilinear sample of channel-interleaved 8-bit pixels at continuous (u, v).
inline void sample(const Image& s, double u, double v, double* rgb) {
    u -= 0.5, v -= 0.5;
    int x0 = int(std::floor(u)), y0 = int(std::floor(v));
    double fx = u - x0, fy = v - y0;
    auto px = [&](int x, int y) {
        return s.at(std::clamp(x, 0, s.width - 1), std::clamp(y, 0, s.height - 1));
    };
    const uint8_t *p00 = px(x0, y0), *p10 = px(x0 + 1, y0), *p01 = px(x0, y0 + 1), *p11 = px(x0 + 1, y0 + 1);
    for (int c = 0; c < 3; ++c)
        rgb[c] = (1 - fy) * ((1 - fx) * p00[c] + fx * p10[c]) + fy * ((1 - fx) * p01[c] + fx * p11[c]);
}

}  // namespace

Image warp_affine(const Image& src, const Affine& to_dst, int w, int h) {
    if (src.width <= 0 || src.height <= 0) throw Error("warp of an empty image");
    Affine back = inverse(to_dst);
    // Samples per output pixel along each axis: one per source pixel covered.
    int k = std::clamp(int(std::ceil(1.0 / std::max(1e-6, to_dst.scale()))), 1, 8);
    Image out(w, h);
    for (int j = 0; j < h; ++j)
        for (int i = 0; i < w; ++i) {
            double acc[3] = {0, 0, 0}, rgb[3];
            for (int sj = 0; sj < k; ++sj)
                for (int si = 0; si < k; ++si) {
                    double u, v;
                    back.apply(i + (si + 0.5) / k, j + (sj + 0.5) / k, u, v);
                    sample(src, u, v, rgb);
                    for (int c = 0; c < 3; ++c) acc[c] += rgb[c];
                }
            uint8_t* d = out.at(i, j);
            for (int c = 0; c < 3; ++c) d[c] = uint8_t(std::clamp(std::lround(acc[c] / (k * k)), 0L, 255L));
        }
    return out;
}

Image paste_delta(const Image& photo, const float* delta, int s, const Affine& to_model, double feather,
                  const float* edit, const float* replace) {
    Image out = photo;
    Affine back = inverse(to_model);
    // The photo pixels the model's square can reach.
    double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
    for (double cx : {0.0, double(s)})
        for (double cy : {0.0, double(s)}) {
            double u, v;
            back.apply(cx, cy, u, v);
            x0 = std::min(x0, u), x1 = std::max(x1, u), y0 = std::min(y0, v), y1 = std::max(y1, v);
        }
    int ix0 = std::max(0, int(std::floor(x0))), ix1 = std::min(photo.width - 1, int(std::ceil(x1)));
    int iy0 = std::max(0, int(std::floor(y0))), iy1 = std::min(photo.height - 1, int(std::ceil(y1)));
    const size_t plane = size_t(s) * s;
    auto at = [&](const float* img, int c, int x, int y) {
        return img[c * plane + size_t(std::clamp(y, 0, s - 1)) * s + size_t(std::clamp(x, 0, s - 1))];
    };
    for (int y = iy0; y <= iy1; ++y)
        for (int x = ix0; x <= ix1; ++x) {
            double qx, qy;
            to_model.apply(x + 0.5, y + 0.5, qx, qy);
            if (qx < 0 || qy < 0 || qx >= s || qy >= s) continue;
            double edge = std::min(std::min(qx, qy), std::min(s - qx, s - qy));
            double m = feather > 0 ? std::min(1.0, edge / feather) : 1.0;
            double u = qx - 0.5, v = qy - 0.5;
            int u0 = int(std::floor(u)), v0 = int(std::floor(v));
            double fx = u - u0, fy = v - v0;
            auto sample = [&](const float* img, int c) {
                return (1 - fy) * ((1 - fx) * at(img, c, u0, v0) + fx * at(img, c, u0 + 1, v0)) +
                       fy * ((1 - fx) * at(img, c, u0, v0 + 1) + fx * at(img, c, u0 + 1, v0 + 1));
            };
            const double r = replace ? sample(replace, 0) : 0;
            uint8_t* p = out.at(x, y);
            for (int c = 0; c < 3; ++c) {
                double added = p[c] + 255.0 * sample(delta, c);
                double want = r > 0 ? added + r * (255.0 * sample(edit, c) - added) : added;
                p[c] = uint8_t(std::clamp(std::lround(p[c] + m * (want - p[c])), 0L, 255L));
            }
        }
    return out;
}

std::vector<float> replace_mask(const float* edit, const float* rec, int s, double threshold) {
    const size_t plane = size_t(s) * s;
    std::vector<float> ramp(plane), wide(plane), out(plane);
    for (size_t i = 0; i < plane; ++i) {
        double d = 0;
        for (int c = 0; c < 3; ++c) d = std::max(d, double(std::fabs(edit[c * plane + i] - rec[c * plane + i])));
        ramp[i] = float(std::clamp((d - threshold / 2) / (threshold / 2), 0.0, 1.0));
    }
    auto at = [&](const std::vector<float>& m, int x, int y) {
        return m[size_t(std::clamp(y, 0, s - 1)) * s + size_t(std::clamp(x, 0, s - 1))];
    };
    for (int y = 0; y < s; ++y)  // widened: 3 x 3 maximum
        for (int x = 0; x < s; ++x) {
            float m = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) m = std::max(m, at(ramp, x + dx, y + dy));
            wide[size_t(y) * s + x] = m;
        }
    for (int y = 0; y < s; ++y)  // smoothed: 3 x 3 mean
        for (int x = 0; x < s; ++x) {
            float sum = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) sum += at(wide, x + dx, y + dy);
            out[size_t(y) * s + x] = sum / 9;
        }
    return out;
}

}  // namespace ifgan
