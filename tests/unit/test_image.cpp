#include <catch2/catch.hpp>
#include <png.h>
#include <cstring>
#include <turbojpeg.h>

#include "core/image.hpp"
#include "core/util.hpp"

using namespace ifgan;

namespace {

// Encodes an arbitrary PNG colour type with the simplified write API.
std::vector<uint8_t> make_png(int w, int h, png_uint_32 format, const std::vector<uint8_t>& pixels,
                              const png_color* palette = nullptr, int palette_n = 0) {
    png_image pi;
    std::memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = w;
    pi.height = h;
    pi.format = format;
    std::vector<uint8_t> cmap;
    if (palette) {
        pi.colormap_entries = palette_n;
        for (int i = 0; i < palette_n; ++i) {
            cmap.push_back(palette[i].red);
            cmap.push_back(palette[i].green);
            cmap.push_back(palette[i].blue);
        }
    }
    png_alloc_size_t len = 0;
    REQUIRE(png_image_write_to_memory(&pi, nullptr, &len, 0, pixels.data(), 0, palette ? cmap.data() : nullptr));
    std::vector<uint8_t> out(len);
    REQUIRE(png_image_write_to_memory(&pi, out.data(), &len, 0, pixels.data(), 0, palette ? cmap.data() : nullptr));
    out.resize(len);
    return out;
}

Image gradient(int w, int h) {
    Image img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = img.at(x, y);
            p[0] = uint8_t(x * 255 / std::max(1, w - 1));
            p[1] = uint8_t(y * 255 / std::max(1, h - 1));
            p[2] = uint8_t((x + y) % 256);
        }
    return img;
}

}  // namespace

TEST_CASE("PNG RGB round trip is exact") {
    Image img = gradient(17, 9);
    std::vector<uint8_t> png = encode_png(img);
    Image back = decode_image(png.data(), png.size(), "t.png");
    REQUIRE(back.width == 17);
    REQUIRE(back.height == 9);
    REQUIRE(back.rgb == img.rgb);
}

TEST_CASE("PNG gray, gray+alpha, RGBA, 16-bit and palette become 8-bit RGB") {
    SECTION("gray 8-bit") {
        auto png = make_png(2, 1, PNG_FORMAT_GRAY, {10, 200});
        Image i = decode_image(png.data(), png.size(), "g.png");
        REQUIRE(std::vector<uint8_t>(i.rgb) == std::vector<uint8_t>{10, 10, 10, 200, 200, 200});
    }
    SECTION("gray+alpha composites on white") {
        auto png = make_png(2, 1, PNG_FORMAT_GA, {0, 0, 0, 255});
        Image i = decode_image(png.data(), png.size(), "ga.png");
        REQUIRE(int(i.rgb[0]) == 255);  // fully transparent black -> white
        REQUIRE(int(i.rgb[3]) == 0);    // opaque black stays black
    }
    SECTION("RGBA half transparent red on white") {
        auto png = make_png(1, 1, PNG_FORMAT_RGBA, {255, 0, 0, 128});
        Image i = decode_image(png.data(), png.size(), "rgba.png");
        REQUIRE(int(i.rgb[0]) == 255);
        REQUIRE(std::abs(int(i.rgb[1]) - 127) <= 1);
        REQUIRE(std::abs(int(i.rgb[2]) - 127) <= 1);
    }
    SECTION("16-bit RGB keeps its values") {
        // PNG_FORMAT_LINEAR_RGB writes 16-bit samples; the file carries a gAMA of
        // 1.0, so libpng converts to sRGB: check a monotone, full-range mapping.
        std::vector<uint16_t> px = {0, 0, 0, 65535, 65535, 65535};
        png_image pi;
        std::memset(&pi, 0, sizeof pi);
        pi.version = PNG_IMAGE_VERSION;
        pi.width = 2;
        pi.height = 1;
        pi.format = PNG_FORMAT_LINEAR_RGB;
        png_alloc_size_t len = 0;
        REQUIRE(png_image_write_to_memory(&pi, nullptr, &len, 0, px.data(), 0, nullptr));
        std::vector<uint8_t> out(len);
        REQUIRE(png_image_write_to_memory(&pi, out.data(), &len, 0, px.data(), 0, nullptr));
        Image i = decode_image(out.data(), len, "16.png");
        REQUIRE(std::vector<uint8_t>(i.rgb) == std::vector<uint8_t>{0, 0, 0, 255, 255, 255});
    }
    SECTION("palette") {
        png_color pal[2] = {{255, 0, 0}, {0, 0, 255}};
        auto png = make_png(2, 1, PNG_FORMAT_RGB_COLORMAP, {1, 0}, pal, 2);
        Image i = decode_image(png.data(), png.size(), "p.png");
        REQUIRE(std::vector<uint8_t>(i.rgb) == std::vector<uint8_t>{0, 0, 255, 255, 0, 0});
    }
}

TEST_CASE("JPEG RGB, grayscale and CMYK decode to RGB") {
    Image img(16, 16, 0);
    for (auto& v : img.rgb) v = 180;
    SECTION("RGB") {
        auto jpg = encode_jpeg(img, 95);
        Image i = decode_image(jpg.data(), jpg.size(), "a.jpg");
        REQUIRE(i.width == 16);
        for (uint8_t v : i.rgb) REQUIRE(std::abs(int(v) - 180) <= 2);
    }
    SECTION("grayscale") {
        tjhandle h = tjInitCompress();
        std::vector<uint8_t> gray(16 * 16, 90);
        unsigned char* buf = nullptr;
        unsigned long len = 0;
        REQUIRE(tjCompress2(h, gray.data(), 16, 0, 16, TJPF_GRAY, &buf, &len, TJSAMP_GRAY, 95, 0) == 0);
        Image i = decode_image(buf, len, "g.jpg");
        tjFree(buf);
        tjDestroy(h);
        for (uint8_t v : i.rgb) REQUIRE(std::abs(int(v) - 90) <= 2);
    }
    SECTION("CMYK") {
        tjhandle h = tjInitCompress();
        // Inverted CMYK as libjpeg stores it: C'=255 (no cyan), M'=Y'=255, K'=128.
        std::vector<uint8_t> cmyk(16 * 16 * 4);
        for (size_t p = 0; p < 256; ++p) {
            cmyk[p * 4 + 0] = 255;
            cmyk[p * 4 + 1] = 255;
            cmyk[p * 4 + 2] = 255;
            cmyk[p * 4 + 3] = 128;
        }
        unsigned char* buf = nullptr;
        unsigned long len = 0;
        REQUIRE(tjCompress2(h, cmyk.data(), 16, 0, 16, TJPF_CMYK, &buf, &len, TJSAMP_444, 95, 0) == 0);
        Image i = decode_image(buf, len, "c.jpg");
        tjFree(buf);
        tjDestroy(h);
        for (uint8_t v : i.rgb) REQUIRE(std::abs(int(v) - 128) <= 3);
    }
}

TEST_CASE("the format comes from magic bytes, not the name") {
    Image img = gradient(8, 8);
    auto png = encode_png(img);
    REQUIRE(decode_image(png.data(), png.size(), "misnamed.jpg").rgb == img.rgb);
}

TEST_CASE("corrupt, truncated and non-image data are errors naming the file") {
    Image img = gradient(32, 32);
    auto png = encode_png(img);
    auto jpg = encode_jpeg(img);
    std::string text = "hello, not an image";
    REQUIRE_THROWS_WITH(decode_image(reinterpret_cast<const uint8_t*>(text.data()), text.size(), "x.txt"),
                        Catch::Contains("x.txt") && Catch::Contains("not a PNG or JPEG"));
    REQUIRE_THROWS_WITH(decode_image(png.data(), png.size() / 2, "half.png"), Catch::Contains("half.png"));
    REQUIRE_THROWS_WITH(decode_image(jpg.data(), jpg.size() / 2, "half.jpg"), Catch::Contains("half.jpg"));
    std::vector<uint8_t> bad = png;
    for (size_t i = 40; i < bad.size(); i += 7) bad[i] ^= 0x5a;
    REQUIRE_THROWS_AS(decode_image(bad.data(), bad.size(), "bad.png"), Error);
    REQUIRE_THROWS_WITH(decode_image(nullptr, 0, "empty.png"), Catch::Contains("empty.png"));
    REQUIRE_THROWS_WITH(read_image("/nonexistent/file.png"), Catch::Contains("/nonexistent/file.png"));
}

TEST_CASE("crop presets") {
    Box b = crop_box(Crop::celeba, 178, 218);
    REQUIRE(b.x == 15);
    REQUIRE(b.y == 40);
    REQUIRE(b.w == 148);
    REQUIRE(b.h == 148);
    Box c = crop_box(Crop::center, 178, 218);
    REQUIRE(c.x == 0);
    REQUIRE(c.y == 20);
    REQUIRE(c.w == 178);
    REQUIRE(c.h == 178);
    Box n = crop_box(Crop::none, 50, 40);
    REQUIRE((n.x == 0 && n.y == 0 && n.w == 50 && n.h == 40));
    REQUIRE_THROWS_AS(parse_crop("middle"), UsageError);
}

TEST_CASE("resize averages areas when shrinking and keeps constants") {
    Image img(4, 4);
    // Checkerboard of 2x2 blocks: halving gives the block values exactly.
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            uint8_t v = ((x / 2 + y / 2) % 2) ? 200 : 100;
            uint8_t* p = img.at(x, y);
            p[0] = p[1] = p[2] = v;
        }
    Image half = resize(img, 2, 2);
    REQUIRE(int(half.at(0, 0)[0]) == 100);
    REQUIRE(int(half.at(1, 0)[0]) == 200);
    Image one = resize(img, 1, 1);
    REQUIRE(int(one.at(0, 0)[0]) == 150);
    // A 1-pixel checkerboard shrunk by 3 averages to grey, with no aliasing.
    Image fine(9, 9);
    for (int y = 0; y < 9; ++y)
        for (int x = 0; x < 9; ++x) fine.at(x, y)[0] = fine.at(x, y)[1] = fine.at(x, y)[2] = ((x + y) % 2) * 255;
    Image small = resize(fine, 3, 3);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) REQUIRE(std::abs(int(small.at(x, y)[0]) - 127) <= 15);
    Image flat(7, 5, 77);
    for (uint8_t v : resize(flat, 13, 11).rgb) REQUIRE(int(v) == 77);
    Image up = resize(gradient(8, 8), 16, 16);
    REQUIRE(up.width == 16);
}

TEST_CASE("prepare crops and resizes to the model size") {
    Image img(178, 218, 0);
    // Mark the celeba box white: the prepared image must be all white.
    for (int y = 40; y < 188; ++y)
        for (int x = 15; x < 163; ++x) img.at(x, y)[0] = img.at(x, y)[1] = img.at(x, y)[2] = 255;
    Image p = prepare(img, Crop::celeba, 64);
    REQUIRE(p.width == 64);
    for (uint8_t v : p.rgb) REQUIRE(int(v) == 255);
}

TEST_CASE("scaled JPEG decoding keeps at least the requested side") {
    Image big(400, 300, 128);
    auto jpg = encode_jpeg(big, 90);
    Image s = decode_image(jpg.data(), jpg.size(), "big.jpg", 64);
    REQUIRE(s.width < 400);
    REQUIRE(s.height >= 64);
    REQUIRE(s.width >= 64);
}

TEST_CASE("CHW conversions are inverse") {
    Image img = gradient(5, 3);
    std::vector<uint8_t> chw(5 * 3 * 3);
    to_chw(img, chw.data());
    REQUIRE(chw[0] == img.at(0, 0)[0]);
    REQUIRE(chw[15] == img.at(0, 0)[1]);
    REQUIRE(from_chw(chw.data(), 5, 3).rgb == img.rgb);
    std::vector<float> f(chw.begin(), chw.end());
    for (auto& v : f) v /= 255.0f;
    REQUIRE(from_chw_float(f.data(), 5, 3).rgb == img.rgb);
}
