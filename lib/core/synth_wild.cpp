#include "core/synth.hpp"

#include <algorithm>
#include <cmath>

#include "core/util.hpp"

// Photos in the wild: a synthetic face placed into a larger photo, and the
// same photo with the face's attributes flipped.

namespace ifgan {

namespace {

// Where a face goes in its photo in the wild: a square tile of `tile` pixels,
// rotated by `angle` about its centre (cx, cy), in a w x h photo.
struct WildLayout {
    int w, h, tile;
    double angle, cx, cy;
    uint64_t seed;
};

WildLayout draw_wild_layout(uint64_t seed, uint64_t index) {
    Rng rng(fnv1a(&index, sizeof index, fnv1a(std::string("wild"), fnv1a(&seed, sizeof seed))));
    WildLayout l;
    l.w = 256 + rng.below(385);
    l.h = 256 + rng.below(385);
    l.tile = int(rng.uniform(0.35, 0.7) * std::min(l.w, l.h));
    l.angle = rng.uniform(-20, 20) * 3.141592653589793 / 180;
    double r = l.tile * (std::fabs(std::cos(l.angle)) + std::fabs(std::sin(l.angle))) / 2;  // the tile inside the photo
    l.cx = rng.uniform(r, l.w - r);
    l.cy = rng.uniform(r, l.h - r);
    l.seed = rng.next();
    return l;
}

// A textured background: a colour, a few slow waves, some rectangles, noise.
Image wild_background(const WildLayout& l) {
    Rng rng(l.seed);
    Rgb base = {rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)};
    std::vector<float> px(size_t(l.w) * l.h * 3);
    for (size_t i = 0; i < px.size(); i += 3) px[i] = float(base.r), px[i + 1] = float(base.g), px[i + 2] = float(base.b);
    for (int k = 0; k < 3; ++k) {
        double a = rng.uniform(0, 6.283185307179586), f = rng.uniform(0.005, 0.05), amp = rng.uniform(0.03, 0.1);
        int ch = rng.below(3);
        for (int y = 0; y < l.h; ++y)
            for (int x = 0; x < l.w; ++x)
                px[(size_t(y) * l.w + x) * 3 + size_t(ch)] += float(amp * std::sin(f * (std::cos(a) * x + std::sin(a) * y) * 6.283));
    }
    for (int k = 0; k < 6; ++k) {
        int x0 = rng.below(l.w), y0 = rng.below(l.h), rw = 10 + rng.below(l.w / 2), rh = 10 + rng.below(l.h / 2);
        Rgb c = {rng.uniform(), rng.uniform(), rng.uniform()};
        for (int y = y0; y < std::min(l.h, y0 + rh); ++y)
            for (int x = x0; x < std::min(l.w, x0 + rw); ++x) {
                float* d = &px[(size_t(y) * l.w + x) * 3];
                d[0] = 0.5f * d[0] + 0.5f * float(c.r), d[1] = 0.5f * d[1] + 0.5f * float(c.g), d[2] = 0.5f * d[2] + 0.5f * float(c.b);
            }
    }
    Image img(l.w, l.h);
    for (size_t i = 0; i < px.size(); ++i)
        img.rgb[i] = uint8_t(std::clamp(std::lround((px[i] + rng.uniform(-0.02, 0.02)) * 255), 0L, 255L));
    return img;
}

// Photo pixels -> tile pixels.
Affine photo_to_tile(const WildLayout& l) {
    const double c = std::cos(l.angle), s = std::sin(l.angle), h = l.tile / 2.0;
    Affine t;
    t.a = c, t.b = s, t.c = h - (c * l.cx + s * l.cy);
    t.d = -s, t.e = c, t.f = h - (-s * l.cx + c * l.cy);
    return t;
}

// The face tile composited onto the background, its edge softened over 1.5 px.
// Only the pixels around the rotated tile are visited.
Image place_tile(const Image& background, const Image& tile, const WildLayout& l) {
    Image out = background;
    Affine to_tile = photo_to_tile(l), to_photo = inverse(to_tile);
    const auto [x0, y0, x1, y1] = square_bounds(to_photo, double(l.tile));
    int bx = std::max(0, int(std::floor(x0))), by = std::max(0, int(std::floor(y0)));
    int bw = std::min(l.w, int(std::ceil(x1)) + 1) - bx, bh = std::min(l.h, int(std::ceil(y1)) + 1) - by;
    Affine shift;
    shift.c = -bx, shift.f = -by;
    Image face = warp_affine(tile, compose(shift, to_photo), bw, bh);  // the tile in the box's pixels
    for (int y = by; y < by + bh; ++y)
        for (int x = bx; x < bx + bw; ++x) {
            double u, v;
            to_tile.apply(x + 0.5, y + 0.5, u, v);
            double edge = std::min(std::min(u, v), std::min(l.tile - u, l.tile - v));
            if (edge <= 0) continue;
            double a = std::min(1.0, edge / 1.5);
            uint8_t* d = out.at(x, y);
            const uint8_t* f = face.at(x - bx, y - by);
            for (int c = 0; c < 3; ++c) d[c] = uint8_t(std::lround(d[c] + a * (f[c] - d[c])));
        }
    return out;
}

}  // namespace

WildPhoto make_wild_photo(const FaceParams& p, uint64_t seed, uint64_t index) {
    WildLayout l = draw_wild_layout(seed, index);
    WildPhoto w;
    w.background = wild_background(l);
    w.photo = place_tile(w.background, render_face(p, l.tile), l);
    w.landmarks = transform(inverse(photo_to_tile(l)), face_landmarks(p, l.tile));
    w.layout_tile = l.tile;
    return w;
}

Image wild_counterfactual(const WildPhoto& w, const FaceParams& q, uint64_t seed, uint64_t index) {
    WildLayout l = draw_wild_layout(seed, index);
    return place_tile(w.background, render_face(q, l.tile), l);
}

}  // namespace ifgan
