#include "core/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <png.h>
#include <turbojpeg.h>

#include "core/util.hpp"

namespace ifgan {

Crop parse_crop(const std::string& name) {
    if (name == "celeba") return Crop::celeba;
    if (name == "center") return Crop::center;
    if (name == "none") return Crop::none;
    throw UsageError("unknown crop preset '" + name + "' (celeba, center, none)");
}

const char* crop_name(Crop c) {
    switch (c) {
        case Crop::celeba: return "celeba";
        case Crop::center: return "center";
        default: return "none";
    }
}

bool is_png(const uint8_t* d, size_t n) {
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    return n >= 8 && std::memcmp(d, sig, 8) == 0;
}
bool is_jpeg(const uint8_t* d, size_t n) { return n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff; }

size_t max_image_pixels() {
    static const size_t limit = [] {
        const char* env = std::getenv("IFGAN_MAX_PIXELS");
        char* end = nullptr;
        unsigned long long v = env ? std::strtoull(env, &end, 10) : 0;
        return env && *env && end && *end == 0 && v > 0 ? size_t(v) : size_t(64) << 20;
    }();
    return limit;
}

namespace {
void check_pixels(size_t w, size_t h, const std::string& name) {
    if (w * h > max_image_pixels())
        throw Error(name + ": " + std::to_string(w) + "x" + std::to_string(h) + " pixels is more than the limit of " +
                    std::to_string(max_image_pixels()) + " (set IFGAN_MAX_PIXELS to raise it)");
}

// libpng's simplified API keeps its setjmp/longjmp inside libpng and reports
// failure through return values, so no C++ frame is ever jumped over.
Image decode_png(const uint8_t* data, size_t size, const std::string& name) {
    png_image pi;
    std::memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, data, size))
        throw Error(name + ": bad PNG: " + pi.message);
    // 16-bit files without gamma information are sRGB in practice; without this
    // flag libpng would treat them as linear and brighten them.
    pi.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    pi.format = PNG_FORMAT_RGBA;
    if (pi.width == 0 || pi.height == 0 || pi.width > 1 << 15 || pi.height > 1 << 15) {
        png_image_free(&pi);
        throw Error(name + ": unsupported PNG size");
    }
    try {
        check_pixels(pi.width, pi.height, name);
    } catch (...) {
        png_image_free(&pi);
        throw;
    }
    std::vector<uint8_t> rgba(PNG_IMAGE_SIZE(pi));
    if (!png_image_finish_read(&pi, nullptr, rgba.data(), 0, nullptr)) {
        std::string msg = pi.message;
        png_image_free(&pi);
        throw Error(name + ": bad PNG: " + msg);
    }
    Image img(int(pi.width), int(pi.height));
    size_t n = size_t(img.width) * img.height;
    for (size_t i = 0; i < n; ++i) {
        // Composite on white in the encoded (sRGB) space, as viewers do.
        unsigned a = rgba[i * 4 + 3];
        for (int c = 0; c < 3; ++c)
            img.rgb[i * 3 + c] = uint8_t((rgba[i * 4 + c] * a + 255 * (255 - a) + 127) / 255);
    }
    return img;
}

struct TjHandle {
    tjhandle h;
    explicit TjHandle(bool compress) : h(compress ? tjInitCompress() : tjInitDecompress()) {
        if (!h) throw Error("cannot initialise TurboJPEG");
    }
    ~TjHandle() { tjDestroy(h); }
    std::string err() const { return tjGetErrorStr2(h); }
};

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, int min_side) {
    TjHandle tj(false);
    int w, h, subsamp, colorspace;
    if (tjDecompressHeader3(tj.h, data, (unsigned long)size, &w, &h, &subsamp, &colorspace) != 0)
        throw Error(name + ": bad JPEG: " + tj.err());
    if (w <= 0 || h <= 0 || w > 1 << 15 || h > 1 << 15) throw Error(name + ": unsupported JPEG size");
    // Pick the smallest DCT scaling that keeps both sides >= min_side.
    int sw = w, sh = h;
    if (min_side > 0) {
        int nsf = 0;
        tjscalingfactor* sf = tjGetScalingFactors(&nsf);
        for (int i = 0; i < nsf; ++i) {
            if (sf[i].num > sf[i].denom) continue;
            int cw = TJSCALED(w, sf[i]), ch = TJSCALED(h, sf[i]);
            if (cw >= min_side && ch >= min_side && long(cw) * ch < long(sw) * sh) {
                sw = cw;
                sh = ch;
            }
        }
    }
    check_pixels(size_t(sw), size_t(sh), name);
    bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    int pf = cmyk ? TJPF_CMYK : TJPF_RGB;
    int ps = tjPixelSize[pf];
    std::vector<uint8_t> buf(size_t(sw) * sh * ps);
    if (tjDecompress2(tj.h, data, (unsigned long)size, buf.data(), sw, 0, sh, pf, 0) != 0) {
        // A truncated file decodes with a warning; anything else is an error.
        if (tjGetErrorCode(tj.h) != TJERR_WARNING) throw Error(name + ": bad JPEG: " + tj.err());
        throw Error(name + ": damaged JPEG: " + tj.err());
    }
    Image img(sw, sh);
    size_t n = size_t(sw) * sh;
    if (!cmyk) {
        img.rgb = std::move(buf);
    } else {
        // libjpeg hands back Adobe-style inverted CMYK: the stored values are
        // already 255 - ink, so R = C' * K' / 255.
        for (size_t i = 0; i < n; ++i) {
            unsigned k = buf[i * 4 + 3];
            for (int c = 0; c < 3; ++c) img.rgb[i * 3 + c] = uint8_t((buf[i * 4 + c] * k + 127) / 255);
        }
    }
    return img;
}

}  // namespace

Image decode_image(const uint8_t* data, size_t size, const std::string& name, int min_side) {
    if (is_png(data, size)) return decode_png(data, size, name);
    if (is_jpeg(data, size)) return decode_jpeg(data, size, name, min_side);
    if (size == 0) throw Error(name + ": empty file, not an image");
    throw Error(name + ": not a PNG or JPEG image");
}

void image_dimensions(const uint8_t* data, size_t size, const std::string& name, int& w, int& h) {
    if (is_png(data, size) && size >= 24) {
        auto be32 = [&](size_t o) { return int(uint32_t(data[o]) << 24 | uint32_t(data[o + 1]) << 16 | uint32_t(data[o + 2]) << 8 | data[o + 3]); };
        w = be32(16), h = be32(20);
    } else if (is_jpeg(data, size)) {
        TjHandle tj(false);
        int subsamp, colorspace;
        if (tjDecompressHeader3(tj.h, data, (unsigned long)size, &w, &h, &subsamp, &colorspace) != 0)
            throw Error(name + ": bad JPEG: " + tj.err());
    } else {
        throw Error(name + ": not a PNG or JPEG image");
    }
    if (w <= 0 || h <= 0) throw Error(name + ": bad image size");
}

Image read_image(const std::string& path, int min_side) {
    std::vector<uint8_t> bytes = read_file(path);
    return decode_image(bytes.data(), bytes.size(), path, min_side);
}

std::vector<uint8_t> encode_png(const Image& img, int compression) {
    png_image pi;
    std::memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = png_uint_32(img.width);
    pi.height = png_uint_32(img.height);
    pi.format = PNG_FORMAT_RGB;
    (void)compression;  // the simplified API picks zlib's default level
    // One pass into a buffer of the worst-case size: asking for the size
    // first (a null buffer) compresses the whole image once more.
    png_alloc_size_t len = PNG_IMAGE_PNG_SIZE_MAX(pi);
    std::vector<uint8_t> out(len);
    if (!png_image_write_to_memory(&pi, out.data(), &len, 0, img.rgb.data(), 0, nullptr))
        throw Error(std::string("PNG encoding failed: ") + pi.message);
    out.resize(len);
    return out;
}

void write_png(const std::string& path, const Image& img, bool durable) {
    std::vector<uint8_t> png = encode_png(img);
    write_file_atomic(path, png.data(), png.size(), durable);
}

std::vector<uint8_t> encode_jpeg(const Image& img, int quality) {
    TjHandle tj(true);
    unsigned char* buf = nullptr;
    unsigned long len = 0;
    if (tjCompress2(tj.h, img.rgb.data(), img.width, 0, img.height, TJPF_RGB, &buf, &len, TJSAMP_444,
                    quality, 0) != 0)
        throw Error("JPEG encoding failed: " + tj.err());
    std::vector<uint8_t> out(buf, buf + len);
    tjFree(buf);
    return out;
}

Box crop_box(Crop c, int w, int h) {
    switch (c) {
        case Crop::celeba: {
            double sx = w / 178.0, sy = h / 218.0;
            Box b{int(std::lround(15 * sx)), int(std::lround(40 * sy)), int(std::lround(148 * sx)),
                  int(std::lround(148 * sy))};
            b.w = std::max(1, std::min(b.w, w - b.x));
            b.h = std::max(1, std::min(b.h, h - b.y));
            return b;
        }
        case Crop::center: {
            int s = std::min(w, h);
            return Box{(w - s) / 2, (h - s) / 2, s, s};
        }
        default: return Box{0, 0, w, h};
    }
}

Image crop(const Image& img, Box b) {
    Image out(b.w, b.h);
    for (int y = 0; y < b.h; ++y)
        std::memcpy(out.at(0, y), img.at(b.x, b.y + y), size_t(b.w) * 3);
    return out;
}

namespace {

// Weights of a 1-D resampling: for each output index, the first source index
// and the weights of the source samples it averages.
struct Taps {
    std::vector<int> first;
    std::vector<std::vector<float>> w;
};

Taps make_taps(int in, int out) {
    Taps t;
    t.first.resize(out);
    t.w.resize(out);
    double scale = double(in) / out;
    for (int o = 0; o < out; ++o) {
        if (scale >= 1.0) {
            // Area averaging: the exact coverage of [o*scale, (o+1)*scale).
            double a = o * scale, b = (o + 1) * scale;
            int i0 = int(std::floor(a)), i1 = std::min(in, int(std::ceil(b)));
            t.first[o] = i0;
            for (int i = i0; i < i1; ++i) {
                double cover = std::min(b, double(i + 1)) - std::max(a, double(i));
                t.w[o].push_back(float(cover / scale));
            }
        } else {
            // Bilinear on pixel centres, clamped at the borders.
            double c = (o + 0.5) * scale - 0.5;
            c = std::max(0.0, std::min(c, double(in - 1)));
            int i0 = int(std::floor(c));
            int i1 = std::min(i0 + 1, in - 1);
            double f = c - i0;
            t.first[o] = i0;
            if (i1 == i0)
                t.w[o] = {1.0f};
            else
                t.w[o] = {float(1 - f), float(f)};
        }
    }
    return t;
}

}  // namespace

Image resize(const Image& img, int w, int h) {
    if (img.width == w && img.height == h) return img;
    Taps tx = make_taps(img.width, w), ty = make_taps(img.height, h);
    // Horizontal pass into floats, then vertical pass with rounding.
    std::vector<float> mid(size_t(w) * img.height * 3);
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < w; ++x) {
            float acc[3] = {0, 0, 0};
            const uint8_t* src = img.at(tx.first[x], y);
            for (size_t k = 0; k < tx.w[x].size(); ++k)
                for (int c = 0; c < 3; ++c) acc[c] += tx.w[x][k] * src[k * 3 + c];
            float* dst = &mid[(size_t(y) * w + x) * 3];
            for (int c = 0; c < 3; ++c) dst[c] = acc[c];
        }
    Image out(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float acc[3] = {0, 0, 0};
            for (size_t k = 0; k < ty.w[y].size(); ++k) {
                const float* src = &mid[(size_t(ty.first[y] + int(k)) * w + x) * 3];
                for (int c = 0; c < 3; ++c) acc[c] += ty.w[y][k] * src[c];
            }
            uint8_t* dst = out.at(x, y);
            for (int c = 0; c < 3; ++c) dst[c] = uint8_t(std::clamp(std::lround(acc[c]), 0l, 255l));
        }
    return out;
}

Image prepare(const Image& img, Crop c, int size) {
    Box b = crop_box(c, img.width, img.height);
    if (b.x == 0 && b.y == 0 && b.w == img.width && b.h == img.height) return resize(img, size, size);
    return resize(crop(img, b), size, size);
}

Image load_prepared(const std::string& path, Crop c, int size) {
    // Ask for enough pixels that the crop still covers `size` after DCT scaling.
    int min_side = c == Crop::celeba ? (size * 218 + 147) / 148 : size;
    return prepare(read_image(path, min_side), c, size);
}

void to_chw(const Image& img, uint8_t* out) {
    size_t n = size_t(img.width) * img.height;
    for (size_t i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c) out[c * n + i] = img.rgb[i * 3 + c];
}

Image from_chw(const uint8_t* chw, int w, int h) {
    Image img(w, h);
    size_t n = size_t(w) * h;
    for (size_t i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c) img.rgb[i * 3 + c] = chw[c * n + i];
    return img;
}

namespace {
uint8_t unit_to_byte(float v) {
    if (!(v >= 0)) v = 0;  // also maps NaN to 0
    if (v > 1) v = 1;
    return uint8_t(std::lround(v * 255.0f));
}
}  // namespace

void unit_floats_from_bytes(const uint8_t* in, size_t n, float* out) {
    for (size_t i = 0; i < n; ++i) out[i] = in[i] / 255.0f;
}

void bytes_from_unit_floats(const float* in, size_t n, uint8_t* out) {
    for (size_t i = 0; i < n; ++i) out[i] = unit_to_byte(in[i]);
}

Image from_chw_float(const float* chw, int w, int h) {
    Image img(w, h);
    size_t n = size_t(w) * h;
    for (size_t i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c) img.rgb[i * 3 + c] = unit_to_byte(chw[c * n + i]);
    return img;
}

Image grid(const std::vector<Image>& cells, int cols, int gap, uint8_t bg) {
    if (cells.empty()) return Image(1, 1, bg);
    int cw = 0, ch = 0;
    for (const Image& c : cells) {
        cw = std::max(cw, c.width);
        ch = std::max(ch, c.height);
    }
    int rows = (int(cells.size()) + cols - 1) / cols;
    Image out(cols * cw + (cols + 1) * gap, rows * ch + (rows + 1) * gap, bg);
    for (size_t i = 0; i < cells.size(); ++i) {
        int ox = gap + int(i % cols) * (cw + gap), oy = gap + int(i / cols) * (ch + gap);
        const Image& c = cells[i];
        for (int y = 0; y < c.height; ++y) std::memcpy(out.at(ox, oy + y), c.at(0, y), size_t(c.width) * 3);
    }
    return out;
}

}  // namespace ifgan
