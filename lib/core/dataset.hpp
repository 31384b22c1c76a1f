// Labelled image folders: the CelebA layout and the plain attributes.csv
// layout of docs/formats.md, and the preprocessed uint8 image cache.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/image.hpp"
#include "core/util.hpp"

namespace ifgan {

enum Split { kTrain = 0, kVal = 1, kTest = 2, kAll = -1 };
Split parse_split(const std::string& name);  // train|val|test|all; throws UsageError
// The split of the i-th of n files when the data set names none (and of the
// synthetic faces): the first 80% train, the next 10% val, the last 10% test.
int default_split(size_t i, size_t n);
// CelebA's own partition in proportion: of its 202,599 images the first
// 162,770 train, the next 19,867 val, the last 19,962 test (exact for that n).
int celeba_split(size_t i, size_t n);
const char* split_name(int s);

struct Dataset {
    std::string dir, layout;            // layout: "celeba" or "plain"
    std::string image_dir;              // where `files` live
    std::vector<std::string> all_attrs; // every attribute the labels file has
    std::vector<std::string> attrs;     // the selected ones, in the order asked
    std::vector<std::string> files;     // relative to image_dir
    std::vector<uint8_t> labels;        // files.size() x attrs.size(), 0/1
    std::vector<int> split;             // kTrain, kVal or kTest per file

    size_t size() const { return files.size(); }
    size_t k() const { return attrs.size(); }
    uint8_t label(size_t i, size_t a) const { return labels[i * attrs.size() + a]; }
    std::string path(size_t i) const;
    std::vector<size_t> indices(int split_id) const;  // kAll: every file
};

// Reads the layout found in `dir`. `attrs` picks attributes by name; empty
// picks all. Errors name the file and line.
Dataset load_dataset(const std::string& dir, const std::vector<std::string>& attrs = {});
// Parsers, exposed for tests. `name` is used in messages.
void parse_celeba_attrs(const std::string& text, const std::string& name, Dataset& ds);
void parse_celeba_partition(const std::string& text, const std::string& name, Dataset& ds);
void parse_plain_csv(const std::string& text, const std::string& name, Dataset& ds);
void select_attrs(Dataset& ds, const std::vector<uint8_t>& all_labels, const std::vector<std::string>& want);

// Per attribute: how many of `idx` have it, as a one-line report.
std::string balance_report(const Dataset& ds, const std::vector<size_t>& idx);

// Images cropped and resized once, stored planar (CHW) as uint8: in memory,
// or the persisted cache file mapped read-only, so that a data set larger
// than memory trains in bounded resident memory.
struct ImageCache {
    int size = 0;
    size_t count = 0;
    std::vector<uint8_t> data;               // count x 3 x size x size, held in memory...
    std::shared_ptr<const MappedFile> file;  // ...or mapped from the cache file
    size_t file_offset = 0;                  // where the images start in it

    const uint8_t* pixels() const { return file ? file->data() + file_offset : data.data(); }
    const uint8_t* image(size_t i) const { return pixels() + i * image_bytes(); }
    size_t image_bytes() const { return 3 * size_t(size) * size; }
    bool mapped() const { return bool(file); }
    // Copies images which[0..n) to dst one after another. A mapped cache
    // reads them from its file (the page cache) without mapping them, so an
    // epoch in random order leaves resident memory as it was.
    void gather(const size_t* which, size_t n, uint8_t* dst) const;
    // A mapped cache gives back the pages of images [first, first + n), read
    // in order through image(). A no-op in memory.
    void release(size_t first, size_t n) const;
};

struct CacheOptions {
    int size = 64;
    Crop crop = Crop::celeba;
    int threads = 1;
    // Keep the images in DIR/.ifgan-cache/, keyed by the options and the
    // files' sizes and times, and map them from there; without it (or when
    // that directory cannot be written) they are held in memory.
    bool persist = true;
    std::function<void(size_t done, size_t total)> progress;
};
// Cache of ds images `idx` (in that order). Decodes in parallel.
ImageCache build_cache(const Dataset& ds, const std::vector<size_t>& idx, const CacheOptions& opt);
// Same for a plain list of paths (no persistence).
ImageCache build_cache(const std::vector<std::string>& paths, const CacheOptions& opt);

}  // namespace ifgan
