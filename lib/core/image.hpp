// Image I/O (PNG via libpng, JPEG via TurboJPEG), crops and resizing.
// Everything is 8-bit RGB, interleaved, row-major. No LibTorch here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ifgan {

struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;  // width * height * 3
    Image() = default;
    Image(int w, int h, uint8_t fill = 0) : width(w), height(h), rgb(size_t(w) * h * 3, fill) {}
    uint8_t* at(int x, int y) { return &rgb[(size_t(y) * width + x) * 3]; }
    const uint8_t* at(int x, int y) const { return &rgb[(size_t(y) * width + x) * 3]; }
};

enum class Crop { celeba, center, none };
Crop parse_crop(const std::string& name);  // throws UsageError
const char* crop_name(Crop c);

// Decodes PNG or JPEG, chosen by magic bytes. `name` is used in error messages.
// min_side > 0 lets JPEG decoding scale down (TurboJPEG's DCT scaling) as long
// as both sides stay at least min_side pixels.
// The most pixels an image may have: IFGAN_MAX_PIXELS from the environment,
// or 64 Mi (8192 x 8192). Checked from the header, before any decoding.
size_t max_image_pixels();
Image decode_image(const uint8_t* data, size_t size, const std::string& name, int min_side = 0);
Image read_image(const std::string& path, int min_side = 0);
// The format by its magic bytes.
bool is_png(const uint8_t* data, size_t size);
bool is_jpeg(const uint8_t* data, size_t size);
// Width and height from a PNG or JPEG header, without decoding.
void image_dimensions(const uint8_t* data, size_t size, const std::string& name, int& w, int& h);

std::vector<uint8_t> encode_png(const Image& img, int compression = 6);
void write_png(const std::string& path, const Image& img, bool durable = true);  // atomic
// For tests and users who want JPEG out: quality 1..100.
std::vector<uint8_t> encode_jpeg(const Image& img, int quality = 95);

// Crop box for a preset, in the coordinates of an image of size w x h.
// `celeba` is the 148x148 box at (15, 40) of a 178x218 image, scaled to w x h.
struct Box {
    int x, y, w, h;
};
Box crop_box(Crop c, int w, int h);
Image crop(const Image& img, Box b);
// Separable antialiased resize: area averaging when shrinking, bilinear when
// enlarging.
Image resize(const Image& img, int w, int h);
// The whole preprocessing: crop preset, then resize to size x size.
Image prepare(const Image& img, Crop c, int size);
// Reads a file and prepares it, using scaled JPEG decoding where it helps.
Image load_prepared(const std::string& path, Crop c, int size);

// Planar CHW copy (what tensors and the dataset cache hold).
void to_chw(const Image& img, uint8_t* out);
Image from_chw(const uint8_t* chw, int w, int h);
// 8-bit values <-> floats in [0, 1] (floats are clamped and rounded back).
void unit_floats_from_bytes(const uint8_t* in, size_t n, float* out);
void bytes_from_unit_floats(const float* in, size_t n, uint8_t* out);
Image from_chw_float(const float* chw, int w, int h);  // values in [0,1], clamped

// Tiles images into a grid with a gap (for sample sheets).
Image grid(const std::vector<Image>& cells, int cols, int gap = 2, uint8_t bg = 255);

}  // namespace ifgan
