#include "core/synth.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/util.hpp"

namespace ifgan {

const std::vector<std::string>& synth_attribute_names() {
    static const std::vector<std::string> names = {"Smiling", "Eyeglasses", "Wearing_Hat"};
    return names;
}

namespace {

Rgb mix(Rgb a, Rgb b, double t) { return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }
Rgb shade(Rgb a, double f) { return {a.r * f, a.g * f, a.b * f}; }

Rgb jitter(Rng& rng, Rgb c, double amount) {
    auto j = [&](double v) { return std::clamp(v + rng.uniform(-amount, amount), 0.0, 1.0); };
    return {j(c.r), j(c.g), j(c.b)};
}

Rgb pick(Rng& rng, const std::vector<Rgb>& palette, double amount) {
    return jitter(rng, palette[size_t(rng.below(int(palette.size())))], amount);
}

}  // namespace

FaceParams draw_face(uint64_t seed, uint64_t index) {
    // One generator per face, keyed by (seed, index): face i never depends on count.
    Rng rng(fnv1a(&index, sizeof index, fnv1a(&seed, sizeof seed)));
    FaceParams p;
    p.seed = rng.next();
    p.shift_x = rng.uniform(-0.05, 0.05);
    p.shift_y = rng.uniform(0.0, 0.08);
    p.scale = rng.uniform(1.2, 1.35);
    p.tilt = rng.uniform(-0.08, 0.08);
    p.face_rx = rng.uniform(0.38, 0.46);
    p.face_ry = rng.uniform(0.50, 0.58);
    p.skin = mix({0.97, 0.82, 0.70}, {0.38, 0.24, 0.16}, rng.uniform());
    p.skin = jitter(rng, p.skin, 0.03);
    p.background = pick(rng, {{0.55, 0.65, 0.80}, {0.75, 0.75, 0.72}, {0.60, 0.75, 0.60}, {0.85, 0.78, 0.60},
                              {0.70, 0.60, 0.75}, {0.35, 0.40, 0.48}},
                        0.08);
    p.shirt = pick(rng, {{0.15, 0.25, 0.55}, {0.60, 0.12, 0.12}, {0.20, 0.45, 0.25}, {0.85, 0.85, 0.85},
                         {0.20, 0.20, 0.22}, {0.75, 0.55, 0.20}},
                   0.08);
    p.hair = pick(rng, {{0.08, 0.06, 0.05}, {0.30, 0.18, 0.10}, {0.80, 0.65, 0.35}, {0.60, 0.25, 0.10},
                        {0.62, 0.62, 0.62}},
                  0.05);
    p.hair_style = rng.below(4);
    p.eye_color = pick(rng, {{0.35, 0.20, 0.10}, {0.25, 0.45, 0.75}, {0.25, 0.55, 0.30}, {0.45, 0.48, 0.50}},
                       0.05);
    p.frame_color = pick(rng, {{0.05, 0.05, 0.05}, {0.35, 0.20, 0.08}, {0.12, 0.12, 0.40}, {0.45, 0.05, 0.05}},
                         0.04);
    p.hat_color = pick(rng, {{0.70, 0.10, 0.10}, {0.10, 0.20, 0.60}, {0.10, 0.10, 0.10}, {0.85, 0.75, 0.25},
                             {0.20, 0.50, 0.25}},
                       0.06);
    p.eye_y = rng.uniform(-0.09, -0.03);
    p.eye_spacing = rng.uniform(0.15, 0.19);
    p.eye_size = rng.uniform(0.85, 1.15);
    p.brow_lift = rng.uniform(0.085, 0.11);
    p.brow_tilt = rng.uniform(-0.02, 0.02);
    p.brow_thick = rng.uniform(0.012, 0.022);
    p.nose_len = rng.uniform(0.14, 0.19);
    p.nose_width = rng.uniform(0.035, 0.055);
    p.ear_size = rng.uniform(0.8, 1.15);
    p.mouth_y = rng.uniform(0.27, 0.31);
    p.mouth_w = rng.uniform(0.10, 0.13);
    double a = rng.uniform(0, 6.283185307179586);
    p.light_x = std::cos(a);
    p.light_y = std::sin(a);
    p.light_amp = rng.uniform(0.0, 0.18);
    p.noise = rng.uniform(0.005, 0.015);
    for (bool& b : p.attr) b = rng.coin(0.5);
    return p;
}

namespace {

// Paints in face coordinates (the face centred at 0, one unit = half the
// image width, y down) onto a supersampled float canvas. Shapes are inside
// tests; supersampling does the antialiasing.
class Painter {
public:
    // The face's unit square [-1,1]^2 is drawn `side` pixels wide at (ox, oy)
    // of a width x height canvas; by default the canvas is that square.
    Painter(const FaceParams& p, int side) : Painter(p, side, side, side, 0, 0) {}
    Painter(const FaceParams& p, int side, int width, int height, int ox, int oy)
        : S(side), W(width), H(height), OX(ox), OY(oy), buf(size_t(width) * height * 3) {
        cx = p.shift_x;
        cy = p.shift_y;
        sc = p.scale;
        ct = std::cos(p.tilt);
        st = std::sin(p.tilt);
    }

    void clear(Rgb c) {
        for (size_t i = 0; i < buf.size(); i += 3) {
            buf[i] = float(c.r);
            buf[i + 1] = float(c.g);
            buf[i + 2] = float(c.b);
        }
    }

    // Fills the pixels whose centre satisfies inside(x, y) within the face-space
    // box [x0,x1]x[y0,y1], blending colour c with opacity alpha.
    template <class F>
    void fill(double x0, double y0, double x1, double y1, Rgb c, double alpha, F inside) {
        double px0 = 1e9, py0 = 1e9, px1 = -1e9, py1 = -1e9;
        for (double fx : {x0, x1})
            for (double fy : {y0, y1}) {
                double X = cx + sc * (ct * fx - st * fy), Y = cy + sc * (st * fx + ct * fy);
                double px = OX + (X + 1) * 0.5 * S, py = OY + (Y + 1) * 0.5 * S;
                px0 = std::min(px0, px);
                px1 = std::max(px1, px);
                py0 = std::min(py0, py);
                py1 = std::max(py1, py);
            }
        int ix0 = std::max(0, int(std::floor(px0))), ix1 = std::min(W - 1, int(std::ceil(px1)));
        int iy0 = std::max(0, int(std::floor(py0))), iy1 = std::min(H - 1, int(std::ceil(py1)));
        const float a = float(alpha), cr = float(c.r), cg = float(c.g), cb = float(c.b);
        for (int py = iy0; py <= iy1; ++py) {
            double Y = (py - OY + 0.5) / S * 2 - 1 - cy;
            for (int px = ix0; px <= ix1; ++px) {
                double X = (px - OX + 0.5) / S * 2 - 1 - cx;
                double fx = (ct * X + st * Y) / sc, fy = (-st * X + ct * Y) / sc;
                if (!inside(fx, fy)) continue;
                float* d = &buf[(size_t(py) * W + px) * 3];
                d[0] += a * (cr - d[0]);
                d[1] += a * (cg - d[1]);
                d[2] += a * (cb - d[2]);
            }
        }
    }

    void ellipse(double ex, double ey, double rx, double ry, Rgb c, double alpha = 1) {
        fill(ex - rx, ey - ry, ex + rx, ey + ry, c, alpha, [&](double x, double y) {
            double u = (x - ex) / rx, v = (y - ey) / ry;
            return u * u + v * v <= 1;
        });
    }

    void ring(double ex, double ey, double rx, double ry, double t, Rgb c) {
        fill(ex - rx, ey - ry, ex + rx, ey + ry, c, 1, [&](double x, double y) {
            double u = (x - ex) / rx, v = (y - ey) / ry;
            double ui = (x - ex) / (rx - t), vi = (y - ey) / (ry - t);
            return u * u + v * v <= 1 && ui * ui + vi * vi > 1;
        });
    }

    // A segment with round ends (a thick line).
    void capsule(double ax, double ay, double bx, double by, double r, Rgb c, double alpha = 1) {
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        fill(std::min(ax, bx) - r, std::min(ay, by) - r, std::max(ax, bx) + r, std::max(ay, by) + r, c, alpha,
             [&](double x, double y) {
                 double t = len2 > 0 ? std::clamp(((x - ax) * dx + (y - ay) * dy) / len2, 0.0, 1.0) : 0.0;
                 double qx = ax + t * dx - x, qy = ay + t * dy - y;
                 return qx * qx + qy * qy <= r * r;
             });
    }

    void box(double x0, double y0, double x1, double y1, Rgb c) {
        fill(x0, y0, x1, y1, c, 1, [&](double x, double y) { return x >= x0 && x <= x1 && y >= y0 && y <= y1; });
    }

    // Averages ss x ss blocks, then applies lighting and noise per pixel.
    // `ss` is the supersampling factor the canvas was made with.
    Image finish(int ss, const FaceParams& p) const {
        const int w = W / ss, h = H / ss;
        const double side = double(S) / ss, ox = double(OX) / ss, oy = double(OY) / ss;
        Image img(w, h);
        Rng noise(p.seed);
        const double inv = 1.0 / (ss * ss);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                double acc[3] = {0, 0, 0};
                for (int j = 0; j < ss; ++j)
                    for (int i = 0; i < ss; ++i) {
                        const float* s = &buf[(size_t(y * ss + j) * W + (x * ss + i)) * 3];
                        acc[0] += s[0];
                        acc[1] += s[1];
                        acc[2] += s[2];
                    }
                double X = (x - ox + 0.5) / side * 2 - 1, Y = (y - oy + 0.5) / side * 2 - 1;
                double light = 1 + p.light_amp * 0.5 * (p.light_x * X + p.light_y * Y);
                uint8_t* d = img.at(x, y);
                for (int c = 0; c < 3; ++c) {
                    // Roughly Gaussian noise: the sum of three uniforms.
                    double n = (noise.uniform() + noise.uniform() + noise.uniform() - 1.5) * 2 * p.noise;
                    double v = acc[c] * inv * light + n;
                    d[c] = uint8_t(std::lround(std::clamp(v, 0.0, 1.0) * 255));
                }
            }
        return img;
    }

private:
    int S, W, H, OX, OY;
    std::vector<float> buf;
    double cx, cy, sc, ct, st;
};

void draw_hair_cap(Painter& pt, const FaceParams& p, double rx, double ry) {
    double hx = rx + 0.05, hy = ry + 0.07, hcy = -0.04;
    if (p.hair_style == 3) {  // bald: a little hair above the ears only
        for (double s : {-1.0, 1.0})
            pt.ellipse(s * (rx - 0.02), p.eye_y - 0.06, 0.05, 0.09, p.hair);
        return;
    }
    double fringe = p.hair_style == 2 ? p.eye_y - p.brow_lift - 0.045 : -ry * 0.55;
    pt.fill(-hx, hcy - hy, hx, 0.1, p.hair, 1, [&](double x, double y) {
        double u = x / hx, v = (y - hcy) / hy;
        if (u * u + v * v > 1) return false;
        double line = p.hair_style == 2 ? fringe : fringe + 0.32 * u * u;  // temples lower than the middle
        return y < line;
    });
}

// A smile's shape: its corners kSmileWiden times the neutral mouth's half
// width apart, its top edge kSmileTop above the mouth line in the middle and
// kSmileLift more at the corners (face_landmarks places the corners there).
constexpr double kSmileWiden = 1.4, kSmileTop = 0.01, kSmileLift = 0.07;

void draw_mouth(Painter& pt, const FaceParams& p, bool smiling) {
    Rgb lip = mix(p.skin, {0.70, 0.25, 0.25}, 0.55);
    double my = p.mouth_y, mw = p.mouth_w;
    if (!smiling) {
        // Neutral: a closed, nearly straight mouth.
        pt.capsule(-mw, my, mw, my + 0.004, 0.016, lip);
        pt.capsule(-mw * 0.85, my + 0.002, mw * 0.85, my + 0.002, 0.005, shade(lip, 0.6));
        return;
    }
    // Smiling: a wide open mouth whose corners turn up, teeth showing.
    double w = mw * kSmileWiden, lift = kSmileLift, depth = 0.10;
    auto top = [&](double x, double ww) { return my - kSmileTop - lift * (x / ww) * (x / ww); };
    auto bottom = [&](double x, double ww, double d) {
        double t = 1 - (x / ww) * (x / ww);
        return my - kSmileTop + d * std::sqrt(std::max(0.0, t)) - lift * (1 - t) * 0.9;
    };
    double o = 0.016;  // lip thickness
    pt.fill(-w - o, my - lift - 0.03, w + o, my + depth + o, lip, 1, [&](double x, double y) {
        return std::abs(x) < w + o && y > top(x, w + o) - o && y < bottom(x, w + o, depth + o);
    });
    pt.fill(-w, my - lift - 0.02, w, my + depth, {0.35, 0.05, 0.08}, 1, [&](double x, double y) {
        return std::abs(x) < w && y > top(x, w) && y < bottom(x, w, depth);
    });
    pt.fill(-w, my - lift - 0.02, w, my + depth, {0.97, 0.96, 0.92}, 1, [&](double x, double y) {
        return std::abs(x) < w * 0.88 && y > top(x, w) && y < top(x, w) + 0.038 && y < bottom(x, w, depth);
    });
    // Raised cheeks.
    for (double s : {-1.0, 1.0})
        pt.ellipse(s * (w + 0.06), my - 0.10, 0.065, 0.045, mix(p.skin, {0.90, 0.45, 0.45}, 0.6), 0.45);
}

void draw_glasses(Painter& pt, const FaceParams& p) {
    double rx = 0.095 * p.eye_size + 0.01, ry = 0.07 * p.eye_size + 0.005, t = 0.022;
    for (double s : {-1.0, 1.0}) {
        double ex = s * p.eye_spacing;
        pt.ellipse(ex, p.eye_y, rx, ry, {0.85, 0.92, 1.0}, 0.18);  // lens tint
        pt.ring(ex, p.eye_y, rx, ry, t, p.frame_color);
        pt.capsule(ex + s * rx * 0.95, p.eye_y - 0.01, s * (p.face_rx + 0.01), p.eye_y + 0.01, t * 0.5,
                   p.frame_color);
    }
    double inner = p.eye_spacing - rx;
    pt.capsule(-inner, p.eye_y - 0.01, inner, p.eye_y - 0.01, t * 0.5, p.frame_color);
}

void draw_hat(Painter& pt, const FaceParams& p) {
    double rx = p.face_rx, ry = p.face_ry;
    double brim_y = p.eye_y - p.brow_lift - 0.075;
    double crown_rx = rx + 0.07, crown_ry = ry * 0.62, crown_cy = brim_y + 0.02;
    pt.fill(-crown_rx, crown_cy - crown_ry, crown_rx, brim_y, p.hat_color, 1, [&](double x, double y) {
        double u = x / crown_rx, v = (y - crown_cy) / crown_ry;
        return u * u + v * v <= 1 && y <= brim_y;
    });
    pt.box(-crown_rx + 0.02, brim_y - 0.07, crown_rx - 0.02, brim_y - 0.035, shade(p.hat_color, 0.55));
    pt.capsule(-rx - 0.15, brim_y, rx + 0.15, brim_y, 0.032, shade(p.hat_color, 0.85));
}

}  // namespace

Landmarks face_landmarks(const FaceParams& p, int size) {
    const bool smiling = p.attr[kSmiling];
    // Face coordinates of the points, as draw_mouth and the eyes place them:
    // a smile's corners are where its top edge ends, widened and lifted.
    double mw = smiling ? p.mouth_w * kSmileWiden : p.mouth_w;
    double my = smiling ? p.mouth_y - kSmileTop - kSmileLift : p.mouth_y;
    const double fx[5] = {-p.eye_spacing, p.eye_spacing, 0, -mw, mw};
    const double fy[5] = {p.eye_y, p.eye_y, p.eye_y + p.nose_len, my, my};
    const double ct = std::cos(p.tilt), st = std::sin(p.tilt);
    Landmarks l;
    for (int i = 0; i < 5; ++i) {
        double X = p.shift_x + p.scale * (ct * fx[i] - st * fy[i]), Y = p.shift_y + p.scale * (st * fx[i] + ct * fy[i]);
        l.x[size_t(i)] = (X + 1) * 0.5 * size;
        l.y[size_t(i)] = (Y + 1) * 0.5 * size;
    }
    return l;
}

namespace {

Image paint_face(const FaceParams& p, Painter& pt, int ss) {
    const double rx = p.face_rx, ry = p.face_ry;
    pt.clear(p.background);
    pt.ellipse(0, ry + 0.55, 0.85, 0.42, p.shirt);          // shoulders
    if (p.hair_style == 1)                                    // long hair behind the head
        pt.fill(-rx - 0.12, -ry - 0.05, rx + 0.12, ry + 0.45, shade(p.hair, 0.9), 1, [&](double x, double y) {
            double u = x / (rx + 0.12), v = (y - 0.12) / (ry + 0.3);
            return u * u + v * v <= 1 && y < ry + 0.35;
        });
    pt.box(-0.11, 0.2, 0.11, ry + 0.22, shade(p.skin, 0.88));  // neck
    for (double s : {-1.0, 1.0})                               // ears
        pt.ellipse(s * rx * 0.97, p.eye_y + 0.06, 0.055 * p.ear_size, 0.095 * p.ear_size, shade(p.skin, 0.93));
    pt.ellipse(0, 0, rx, ry, p.skin);
    draw_hair_cap(pt, p, rx, ry);
    for (double s : {-1.0, 1.0}) {
        double ex = s * p.eye_spacing, bx = 0.065 * p.eye_size;
        double by = p.eye_y - p.brow_lift;
        pt.capsule(ex - bx, by + s * p.brow_tilt, ex + bx, by - s * p.brow_tilt, p.brow_thick, shade(p.hair, 0.8));
        pt.ellipse(ex, p.eye_y, 0.07 * p.eye_size, 0.04 * p.eye_size, {0.97, 0.97, 0.97});
        pt.ellipse(ex, p.eye_y, 0.032 * p.eye_size, 0.032 * p.eye_size, p.eye_color);
        pt.ellipse(ex, p.eye_y, 0.015 * p.eye_size, 0.015 * p.eye_size, {0.05, 0.05, 0.05});
    }
    Rgb nose = shade(p.skin, 0.84);
    double ny = p.eye_y + p.nose_len;
    pt.capsule(0, p.eye_y + 0.05, 0.008, ny, 0.017, nose);
    pt.ellipse(0, ny, p.nose_width, 0.024, nose);
    draw_mouth(pt, p, p.attr[kSmiling]);
    if (p.attr[kEyeglasses]) draw_glasses(pt, p);
    if (p.attr[kWearingHat]) draw_hat(pt, p);
    return pt.finish(ss, p);
}

}  // namespace

Image render_face(const FaceParams& p, int size) {
    const int ss = size <= 64 ? 3 : 2;
    Painter pt(p, size * ss);
    return paint_face(p, pt, ss);
}

Image render_face_in_frame(const FaceParams& p, int width, int height, Box square) {
    const int ss = square.w <= 64 ? 3 : 2;
    Painter pt(p, square.w * ss, width * ss, height * ss, square.x * ss, square.y * ss);
    return paint_face(p, pt, ss);
}

nlohmann::json face_params_object(const FaceParams& p) {
    auto rgb = [](Rgb c) { return nlohmann::json::array({c.r, c.g, c.b}); };
    static const char* styles[] = {"short", "long", "bangs", "bald"};
    nlohmann::json j = {
        {"shift", {p.shift_x, p.shift_y}}, {"scale", p.scale}, {"tilt", p.tilt},
        {"face", {p.face_rx, p.face_ry}}, {"skin", rgb(p.skin)}, {"background", rgb(p.background)},
        {"shirt", rgb(p.shirt)}, {"hair", rgb(p.hair)}, {"hair_style", styles[p.hair_style]},
        {"eye_color", rgb(p.eye_color)}, {"eye_y", p.eye_y}, {"eye_spacing", p.eye_spacing},
        {"eye_size", p.eye_size}, {"brow", {p.brow_lift, p.brow_tilt, p.brow_thick}},
        {"nose", {p.nose_len, p.nose_width}}, {"ear_size", p.ear_size}, {"mouth", {p.mouth_y, p.mouth_w}},
        {"frame_color", rgb(p.frame_color)}, {"hat_color", rgb(p.hat_color)},
        {"light", {p.light_x, p.light_y, p.light_amp}}, {"noise", p.noise}};
    return j;
}

std::string face_params_json(const FaceParams& p) { return face_params_object(p).dump(); }

Image synth_contact_sheet(uint64_t seed, int count, int size, const std::string& attr) {
    const auto& known = synth_attribute_names();
    auto it = std::find(known.begin(), known.end(), attr);
    if (it == known.end()) throw UsageError("unknown attribute '" + attr + "'");
    size_t a = size_t(it - known.begin());
    std::vector<Image> cells;
    for (int i = 0; i < count; ++i) {
        FaceParams p = draw_face(seed, uint64_t(i));
        cells.push_back(render_face(p, size));
        p.attr[a] = !p.attr[a];
        cells.push_back(render_face(p, size));
    }
    return grid(cells, 16, 2);
}

}  // namespace ifgan
