// Test fixture maker: writes one image of a given kind, derived from an
// input PNG, so that shell tests can feed every colour type to the tools.
//   mkimg KIND IN OUT         KIND: gray rgba gray16 rgb16 palette jpeg cmyk png
//   mkimg diffbox A B         the box of the pixels where A and B differ
//   mkimg bomb W H OUT        a PNG whose header claims W x H pixels (no pixels follow)
//   mkimg jpegbomb W H OUT    a small JPEG whose frame header claims W x H pixels
//   mkimg port                a TCP port the OS says is free on the loopback now
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <png.h>
#include <string>
#include <turbojpeg.h>
#include <vector>
#include <zlib.h>

#include "core/image.hpp"
#include "core/launch.hpp"
#include "core/util.hpp"

using namespace ifgan;

static void write_png_format(const std::string& out, const Image& img, png_uint_32 format) {
    png_image pi;
    std::memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = img.width;
    pi.height = img.height;
    pi.format = format;
    size_t n = size_t(img.width) * img.height;
    std::vector<uint8_t> px8;
    std::vector<uint16_t> px16;
    const void* data = nullptr;
    if (format == PNG_FORMAT_GRAY) {
        for (size_t i = 0; i < n; ++i) px8.push_back(img.rgb[i * 3 + 1]);
        data = px8.data();
    } else if (format == PNG_FORMAT_RGBA) {
        for (size_t i = 0; i < n; ++i) {
            px8.insert(px8.end(), &img.rgb[i * 3], &img.rgb[i * 3] + 3);
            px8.push_back(i % 7 == 0 ? 128 : 255);
        }
        data = px8.data();
    } else {  // 16-bit linear gray or RGB: libpng records gamma 1.0
        int ch = format == PNG_FORMAT_LINEAR_Y ? 1 : 3;
        for (size_t i = 0; i < n; ++i)
            for (int c = 0; c < ch; ++c) {
                double v = img.rgb[i * 3 + (ch == 1 ? 1 : c)] / 255.0;
                px16.push_back(uint16_t(65535 * v * v));  // roughly linear light
            }
        data = px16.data();
    }
    if (!png_image_write_to_file(&pi, out.c_str(), 0, data, 0, nullptr)) throw Error(pi.message);
}

// A PNG signature, an IHDR chunk for W x H RGB, a tiny IDAT and IEND: a
// decoder that trusts the header allocates W x H x 4 bytes before it finds
// the data missing.
static void write_png_bomb(const std::string& out, uint32_t w, uint32_t h) {
    std::vector<uint8_t> f = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    auto be32 = [](std::vector<uint8_t>& v, uint32_t x) {
        for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
    };
    auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
        be32(f, uint32_t(data.size()));
        std::vector<uint8_t> body(type, type + 4);
        body.insert(body.end(), data.begin(), data.end());
        f.insert(f.end(), body.begin(), body.end());
        be32(f, uint32_t(crc32(0, body.data(), uInt(body.size()))));
    };
    std::vector<uint8_t> ihdr;
    be32(ihdr, w);
    be32(ihdr, h);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit RGB, no interlace
    chunk("IHDR", ihdr);
    std::vector<uint8_t> zeros(64, 0), idat(128);
    uLongf len = uLongf(idat.size());
    compress(idat.data(), &len, zeros.data(), uLong(zeros.size()));
    idat.resize(len);
    chunk("IDAT", idat);  // a first row's worth at most: the rest is missing
    chunk("IEND", {});
    write_file_atomic(out, f);
}

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "port") return std::printf("%d\n", free_local_port()), 0;
    if (argc == 4 && std::string(argv[1]) == "diffbox") {
        // The smallest box holding every pixel that differs: "x0 y0 x1 y1", or "none".
        Image a = read_image(argv[2]), b = read_image(argv[3]);
        if (a.width != b.width || a.height != b.height) return std::printf("size\n"), 1;
        int x0 = a.width, y0 = a.height, x1 = -1, y1 = -1;
        for (int y = 0; y < a.height; ++y)
            for (int x = 0; x < a.width; ++x)
                if (std::memcmp(a.at(x, y), b.at(x, y), 3)) x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
        if (x1 < 0) std::printf("none\n");
        else std::printf("%d %d %d %d\n", x0, y0, x1, y1);
        return 0;
    }
    if (argc == 5 && std::string(argv[1]) == "bomb") {
        write_png_bomb(argv[4], uint32_t(std::atol(argv[2])), uint32_t(std::atol(argv[3])));
        return 0;
    }
    if (argc == 5 && std::string(argv[1]) == "jpegbomb") {
        // An 8x8 JPEG with the height and width of its baseline frame header (SOF0) patched.
        std::vector<uint8_t> j = encode_jpeg(Image(8, 8, 128), 90);
        for (size_t i = 2; i + 8 < j.size(); ++i)
            if (j[i] == 0xff && j[i + 1] == 0xc0) {
                const unsigned w = unsigned(std::atol(argv[2])), h = unsigned(std::atol(argv[3]));
                j[i + 5] = uint8_t(h >> 8), j[i + 6] = uint8_t(h), j[i + 7] = uint8_t(w >> 8), j[i + 8] = uint8_t(w);
                write_file_atomic(argv[4], j);
                return 0;
            }
        std::fprintf(stderr, "mkimg: no SOF0 in the JPEG\n");
        return 1;
    }
    if (argc != 4) {
        std::fprintf(stderr, "usage: mkimg gray|rgba|gray16|rgb16|palette|jpeg|cmyk IN.png OUT | mkimg bomb W H OUT\n");
        return 2;
    }
    try {
        std::string kind = argv[1], out = argv[3];
        Image img = read_image(argv[2]);
        if (kind == "gray") write_png_format(out, img, PNG_FORMAT_GRAY);
        else if (kind == "rgba") write_png_format(out, img, PNG_FORMAT_RGBA);
        else if (kind == "gray16") write_png_format(out, img, PNG_FORMAT_LINEAR_Y);
        else if (kind == "rgb16") write_png_format(out, img, PNG_FORMAT_LINEAR_RGB);
        else if (kind == "jpeg") write_file_atomic(out, encode_jpeg(img, 90));
        else if (kind == "png") write_png(out, img);
        else if (kind == "palette") {
            png_image pi;
            std::memset(&pi, 0, sizeof pi);
            pi.version = PNG_IMAGE_VERSION;
            pi.width = img.width;
            pi.height = img.height;
            pi.format = PNG_FORMAT_RGB_COLORMAP;
            pi.colormap_entries = 216;
            std::vector<uint8_t> cmap, idx;
            for (int r = 0; r < 6; ++r)
                for (int g = 0; g < 6; ++g)
                    for (int b = 0; b < 6; ++b) cmap.insert(cmap.end(), {uint8_t(r * 51), uint8_t(g * 51), uint8_t(b * 51)});
            for (size_t i = 0; i < img.rgb.size(); i += 3)
                idx.push_back(uint8_t((img.rgb[i] / 43) * 36 + (img.rgb[i + 1] / 43) * 6 + img.rgb[i + 2] / 43));
            if (!png_image_write_to_file(&pi, out.c_str(), 0, idx.data(), 0, cmap.data())) throw Error(pi.message);
        } else if (kind == "cmyk") {
            std::vector<uint8_t> cmyk;
            for (size_t i = 0; i < img.rgb.size(); i += 3)
                cmyk.insert(cmyk.end(), {img.rgb[i], img.rgb[i + 1], img.rgb[i + 2], 255});
            tjhandle h = tjInitCompress();
            unsigned char* buf = nullptr;
            unsigned long len = 0;
            if (tjCompress2(h, cmyk.data(), img.width, 0, img.height, TJPF_CMYK, &buf, &len, TJSAMP_444, 90, 0))
                throw Error(tjGetErrorStr2(h));
            write_file_atomic(out, buf, len);
            tjFree(buf);
            tjDestroy(h);
        } else {
            throw Error("unknown kind " + kind);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mkimg: %s\n", e.what());
        return 1;
    }
    return 0;
}
