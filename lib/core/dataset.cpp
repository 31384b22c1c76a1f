#include "core/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "core/log.hpp"
#include "core/util.hpp"

namespace ifgan {

Split parse_split(const std::string& name) {
    if (name == "train") return kTrain;
    if (name == "val") return kVal;
    if (name == "test") return kTest;
    if (name == "all") return kAll;
    throw UsageError("unknown split '" + name + "' (train, val, test, all)");
}

const char* split_name(int s) {
    switch (s) {
        case kTrain: return "train";
        case kVal: return "val";
        case kTest: return "test";
        default: return "all";
    }
}

std::string Dataset::path(size_t i) const { return join_path(image_dir, files[i]); }

std::vector<size_t> Dataset::indices(int split_id) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < files.size(); ++i)
        if (split_id == kAll || split[i] == split_id) out.push_back(i);
    return out;
}

namespace {

std::string read_text(const std::string& path) {
    std::vector<uint8_t> b = read_file(path);
    return std::string(b.begin(), b.end());
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines = split(text, '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    for (auto& l : lines)
        if (!l.empty() && l.back() == '\r') l.pop_back();
    return lines;
}

// -1/+1 (CelebA) or 0/1; anything else is an error.
bool parse_label(const std::string& v, uint8_t& out) {
    if (v == "1" || v == "+1") {
        out = 1;
        return true;
    }
    if (v == "-1" || v == "0") {
        out = 0;
        return true;
    }
    return false;
}

}  // namespace

int default_split(size_t i, size_t n) {
    if (i * 10 < n * 8) return kTrain;
    if (i * 10 < n * 9) return kVal;
    return kTest;
}

int celeba_split(size_t i, size_t n) {
    constexpr size_t kCelebaCount = 202599, kTrainN = 162770, kValN = 19867;
    // Rounded to the nearest count, so that n == kCelebaCount gives CelebA's own.
    const size_t train = (n * kTrainN + kCelebaCount / 2) / kCelebaCount;
    const size_t val = (n * (kTrainN + kValN) + kCelebaCount / 2) / kCelebaCount;
    if (i < train) return kTrain;
    if (i < val) return kVal;
    return kTest;
}

void select_attrs(Dataset& ds, const std::vector<uint8_t>& all_labels, const std::vector<std::string>& want) {
    std::vector<size_t> cols;
    if (want.empty()) {
        for (size_t a = 0; a < ds.all_attrs.size(); ++a) cols.push_back(a);
    } else {
        for (const std::string& w : want) {
            auto it = std::find(ds.all_attrs.begin(), ds.all_attrs.end(), w);
            if (it == ds.all_attrs.end()) {
                std::string have;
                for (const auto& a : ds.all_attrs) have += (have.empty() ? "" : ",") + a;
                throw Error(ds.dir + ": unknown attribute '" + w + "' (the data set has " + have + ")");
            }
            cols.push_back(size_t(it - ds.all_attrs.begin()));
        }
    }
    size_t n = ds.files.size(), K = ds.all_attrs.size();
    ds.attrs.clear();
    for (size_t c : cols) ds.attrs.push_back(ds.all_attrs[c]);
    ds.labels.assign(n * cols.size(), 0);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < cols.size(); ++j) ds.labels[i * cols.size() + j] = all_labels[i * K + cols[j]];
}

void parse_celeba_attrs(const std::string& text, const std::string& name, Dataset& ds) {
    std::vector<std::string> lines = lines_of(text);
    if (lines.size() < 2) throw Error(name + ": too short: expected a count line and an attribute-name line");
    std::vector<std::string> count_tok = split_ws(lines[0]);
    long count = -1;
    if (count_tok.size() == 1) {
        char* end = nullptr;
        count = std::strtol(count_tok[0].c_str(), &end, 10);
        if (*end != '\0' || count < 0) count = -1;
    }
    if (count < 0) throw Error(name + ":1: expected the number of images");
    ds.all_attrs = split_ws(lines[1]);
    if (ds.all_attrs.empty()) throw Error(name + ":2: no attribute names");
    const size_t K = ds.all_attrs.size();
    std::vector<uint8_t> labels;
    ds.files.clear();
    for (size_t ln = 2; ln < lines.size(); ++ln) {
        std::vector<std::string> tok = split_ws(lines[ln]);
        if (tok.empty()) continue;
        std::string where = name + ":" + std::to_string(ln + 1);
        if (tok.size() != K + 1)
            throw Error(where + ": expected a file name and " + std::to_string(K) + " values, found " +
                        std::to_string(tok.size()) + " fields");
        ds.files.push_back(tok[0]);
        for (size_t a = 0; a < K; ++a) {
            uint8_t v;
            if (!parse_label(tok[a + 1], v))
                throw Error(where + ": value '" + tok[a + 1] + "' for " + ds.all_attrs[a] +
                            " is not -1, +1, 0 or 1");
            labels.push_back(v);
        }
    }
    if (ds.files.size() != size_t(count))
        throw Error(name + ":1: says " + std::to_string(count) + " images but lists " +
                    std::to_string(ds.files.size()));
    ds.split.resize(ds.files.size());
    for (size_t i = 0; i < ds.files.size(); ++i) ds.split[i] = default_split(i, ds.files.size());
    ds.labels = std::move(labels);  // all attributes; select_attrs narrows
}

void parse_celeba_partition(const std::string& text, const std::string& name, Dataset& ds) {
    std::vector<std::string> lines = lines_of(text);
    std::vector<int> split(ds.files.size(), -1);
    // Files are usually in the same order; when not, an index of the files,
    // made at the first line out of order (linear in both files either way).
    std::unordered_map<std::string, size_t> index;
    size_t pos = 0;
    for (size_t ln = 0; ln < lines.size(); ++ln) {
        std::vector<std::string> tok = split_ws(lines[ln]);
        if (tok.empty()) continue;
        std::string where = name + ":" + std::to_string(ln + 1);
        if (tok.size() != 2 || tok[1].size() != 1 || tok[1][0] < '0' || tok[1][0] > '2')
            throw Error(where + ": expected 'filename split' with split 0, 1 or 2");
        size_t idx;
        if (pos < ds.files.size() && ds.files[pos] == tok[0]) {
            idx = pos;
        } else {
            if (index.empty())
                for (size_t i = 0; i < ds.files.size(); ++i) index.emplace(ds.files[i], i);
            auto it = index.find(tok[0]);
            if (it == index.end()) continue;  // listed but not labelled: not ours
            idx = it->second;
        }
        pos = idx + 1;
        split[idx] = tok[1][0] - '0';
    }
    for (size_t i = 0; i < split.size(); ++i)
        if (split[i] < 0) throw Error(name + ": no split for " + ds.files[i]);
    ds.split = std::move(split);
}

void parse_plain_csv(const std::string& text, const std::string& name, Dataset& ds) {
    std::vector<std::string> lines = lines_of(text);
    if (lines.empty()) throw Error(name + ": empty file, expected a header 'file,Attr1,...'");
    std::vector<std::string> head = split(lines[0], ',');
    for (auto& h : head) h = trim(h);
    if (head.size() < 2 || head[0] != "file") throw Error(name + ":1: header must be 'file,Attr1,...'");
    int split_col = -1;
    ds.all_attrs.clear();
    std::vector<int> attr_col;
    for (size_t c = 1; c < head.size(); ++c) {
        if (head[c] == "split") {
            split_col = int(c);
        } else {
            ds.all_attrs.push_back(head[c]);
            attr_col.push_back(int(c));
        }
    }
    if (ds.all_attrs.empty()) throw Error(name + ":1: no attribute columns");
    std::vector<uint8_t> labels;
    std::vector<int> splits;
    ds.files.clear();
    for (size_t ln = 1; ln < lines.size(); ++ln) {
        if (trim(lines[ln]).empty()) continue;
        std::vector<std::string> tok = split(lines[ln], ',');
        for (auto& t : tok) t = trim(t);
        std::string where = name + ":" + std::to_string(ln + 1);
        if (tok.size() != head.size())
            throw Error(where + ": expected " + std::to_string(head.size()) + " fields, found " +
                        std::to_string(tok.size()));
        ds.files.push_back(tok[0]);
        for (size_t a = 0; a < attr_col.size(); ++a) {
            uint8_t v;
            if (!parse_label(tok[size_t(attr_col[a])], v))
                throw Error(where + ": value '" + tok[size_t(attr_col[a])] + "' for " + ds.all_attrs[a] +
                            " is not -1, +1, 0 or 1");
            labels.push_back(v);
        }
        if (split_col >= 0) {
            const std::string& s = tok[size_t(split_col)];
            int v = -1;
            if (s == "0" || s == "train") v = kTrain;
            if (s == "1" || s == "val") v = kVal;
            if (s == "2" || s == "test") v = kTest;
            if (v < 0) throw Error(where + ": split '" + s + "' is not 0/1/2 or train/val/test");
            splits.push_back(v);
        }
    }
    if (split_col < 0) {
        splits.resize(ds.files.size());
        for (size_t i = 0; i < ds.files.size(); ++i) splits[i] = default_split(i, ds.files.size());
    }
    ds.labels = std::move(labels);
    ds.split = std::move(splits);
}

Dataset load_dataset(const std::string& dir, const std::vector<std::string>& attrs) {
    Dataset ds;
    ds.dir = dir;
    std::string celeba = join_path(dir, "list_attr_celeba.txt");
    std::string plain = join_path(dir, "attributes.csv");
    if (file_exists(celeba)) {
        ds.layout = "celeba";
        ds.image_dir = join_path(dir, "img_align_celeba");
        parse_celeba_attrs(read_text(celeba), celeba, ds);
        std::string part = join_path(dir, "list_eval_partition.txt");
        if (file_exists(part)) parse_celeba_partition(read_text(part), part, ds);
    } else if (file_exists(plain)) {
        ds.layout = "plain";
        ds.image_dir = dir;
        parse_plain_csv(read_text(plain), plain, ds);
    } else {
        struct stat st;
        if (::stat(dir.c_str(), &st) != 0) throw Error(dir + ": no such directory");
        throw Error(dir + ": not a data set (no list_attr_celeba.txt or attributes.csv)");
    }
    std::vector<uint8_t> all = std::move(ds.labels);
    select_attrs(ds, all, attrs);
    return ds;
}

std::string balance_report(const Dataset& ds, const std::vector<size_t>& idx) {
    std::ostringstream s;
    s << idx.size() << " images";
    for (size_t a = 0; a < ds.k(); ++a) {
        size_t pos = 0;
        for (size_t i : idx) pos += ds.label(i, a);
        char buf[128];
        std::snprintf(buf, sizeof buf, ", %s %.1f%%", ds.attrs[a].c_str(),
                      idx.empty() ? 0.0 : 100.0 * double(pos) / double(idx.size()));
        s << buf;
    }
    return s.str();
}

namespace {

// Decodes paths[i] on `opt.threads` threads and hands each image, planar
// uint8, to place(i, chw), reporting progress as opt asks.
void decode_each(const std::vector<std::string>& paths, const CacheOptions& opt,
                 const std::function<void(size_t, const uint8_t*)>& place) {
    const size_t bytes = 3 * size_t(opt.size) * opt.size;
    std::function<void(size_t)> progress;
    if (opt.progress) progress = [&](size_t d) { opt.progress(d, paths.size()); };
    parallel_for(paths.size(), opt.threads, [&](size_t i) {
        thread_local std::vector<uint8_t> chw;
        chw.resize(bytes);
        to_chw(load_prepared(paths[i], opt.crop, opt.size), chw.data());
        place(i, chw.data());
    }, progress);
}

// The cache file: a 4096-byte header (magic, key, count, side), then the
// images, so that at 64 px every image fills whole pages.
constexpr char kCacheMagic[8] = {'I', 'F', 'G', 'C', 'A', 'C', 'H', '2'};
constexpr size_t kCacheHeader = 4096;

uint64_t cache_key(const Dataset& ds, const std::vector<size_t>& idx, const CacheOptions& opt) {
    std::string head = std::to_string(opt.size) + "|" + crop_name(opt.crop) + "|" + ds.layout;
    uint64_t h = fnv1a(head);
    for (size_t i : idx) {
        std::string p = ds.path(i);
        struct stat st;
        if (::stat(p.c_str(), &st) != 0) throw Error(p + ": listed in the labels but missing");
        h = fnv1a(p, h);
        int64_t meta[3] = {int64_t(st.st_size), int64_t(st.st_mtim.tv_sec), int64_t(st.st_mtim.tv_nsec)};
        h = fnv1a(meta, sizeof meta, h);
    }
    return h;
}

bool load_cache_file(const std::string& path, uint64_t key, size_t count, int size, ImageCache& cache) {
    std::shared_ptr<const MappedFile> f;
    try {
        f = std::make_shared<const MappedFile>(path);
    } catch (const Error&) {
        return false;
    }
    uint64_t head[3];
    if (f->size() < kCacheHeader || std::memcmp(f->data(), kCacheMagic, 8) != 0) return false;
    std::memcpy(head, f->data() + 8, sizeof head);
    const size_t bytes = 3 * size_t(size) * size;
    if (head[0] != key || head[1] != count || head[2] != uint64_t(size) || f->size() != kCacheHeader + count * bytes)
        return false;
    cache.size = size;
    cache.count = count;
    cache.data.clear();
    cache.file = std::move(f);
    cache.file_offset = kCacheHeader;
    return true;
}

// The cache directory cannot take the file (read-only, full): not fatal.
struct CacheWriteError : Error {
    using Error::Error;
};

void make_cache_dir(const std::string& dir) {
    try {
        make_dirs(dir);
    } catch (const Error& e) {
        throw CacheWriteError(e.what());
    }
}

void write_all_at(int fd, const void* data, size_t n, size_t offset, const std::string& name) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        ssize_t w = ::pwrite(fd, p, n, off_t(offset));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw CacheWriteError(name + ": " + std::strerror(w < 0 ? errno : EIO));
        p += w, n -= size_t(w), offset += size_t(w);
    }
}

// Decodes every image straight into the cache file (a temporary name, renamed
// when complete), never holding the whole set in memory. False when the file
// cannot be created; decoding errors are thrown.
bool write_cache_file(const std::vector<std::string>& paths, const CacheOptions& opt, uint64_t key,
                      const std::string& path) {
    // The process id keeps ranks of one training run that build the same
    // cache at once off each other's temporary file.
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    const size_t bytes = 3 * size_t(opt.size) * opt.size;
    try {
        decode_each(paths, opt, [&](size_t i, const uint8_t* chw) {
            write_all_at(fd, chw, bytes, kCacheHeader + i * bytes, tmp);
        });
        std::vector<uint8_t> head(kCacheHeader, 0);
        std::memcpy(head.data(), kCacheMagic, 8);
        uint64_t fields[3] = {key, uint64_t(paths.size()), uint64_t(opt.size)};
        std::memcpy(head.data() + 8, fields, sizeof fields);
        write_all_at(fd, head.data(), head.size(), 0, tmp);
        if (::fsync(fd) != 0) throw CacheWriteError(tmp + ": cannot flush: " + std::strerror(errno));
        ::close(fd);
        fd = -1;
        if (std::rename(tmp.c_str(), path.c_str()) != 0) throw CacheWriteError(path + ": " + std::strerror(errno));
    } catch (...) {
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    return true;
}

}  // namespace

ImageCache build_cache(const std::vector<std::string>& paths, const CacheOptions& opt) {
    ImageCache cache;
    cache.size = opt.size;
    cache.count = paths.size();
    cache.data.assign(paths.size() * cache.image_bytes(), 0);
    decode_each(paths, opt, [&](size_t i, const uint8_t* chw) {
        std::memcpy(cache.data.data() + i * cache.image_bytes(), chw, cache.image_bytes());
    });
    return cache;
}

ImageCache build_cache(const Dataset& ds, const std::vector<size_t>& idx, const CacheOptions& opt) {
    std::vector<std::string> paths;
    for (size_t i : idx) paths.push_back(ds.path(i));
    if (!opt.persist) return build_cache(paths, opt);
    uint64_t key = cache_key(ds, idx, opt);
    std::string cdir = join_path(ds.dir, ".ifgan-cache");
    std::string file = join_path(cdir, hex16(key) + ".u8");
    ImageCache cache;
    if (load_cache_file(file, key, idx.size(), opt.size, cache)) return cache;
    // A bad image is the user's to fix; a read-only or full disk only costs
    // holding the images in memory.
    std::string why = cdir + ": cannot write there";
    try {
        make_cache_dir(cdir);
        if (write_cache_file(paths, opt, key, file) && load_cache_file(file, key, idx.size(), opt.size, cache))
            return cache;
    } catch (const CacheWriteError& e) {
        why = e.what();
    }
    message("image cache not kept (" + why + "); holding " + std::to_string(paths.size()) + " images in memory");
    return build_cache(paths, opt);
}

void ImageCache::gather(const size_t* which, size_t n, uint8_t* dst) const {
    const size_t b = image_bytes();
    for (size_t i = 0; i < n; ++i) {
        if (file) file->read_at(file_offset + which[i] * b, b, dst + i * b);
        else std::memcpy(dst + i * b, image(which[i]), b);
    }
}

void ImageCache::release(size_t first, size_t n) const {
    if (file) file->drop(file_offset + first * image_bytes(), n * image_bytes());
}

}  // namespace ifgan
