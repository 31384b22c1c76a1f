// Small shared helpers: errors, files, hashing, strings. No LibTorch here.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ifgan {

inline constexpr const char* kVersion = "0.1.0";

// A runtime or data error: the tool prints what() on one line and exits 1.
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A command-line mistake: the tool prints what() and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::vector<uint8_t> read_file(const std::string& path);
// Writes to PATH.tmp in the same directory, then renames over PATH, so a
// reader never sees a half-written file. `durable` also fsyncs before the
// rename (models, label files); bulk images skip it: it costs more than
// encoding them.
void write_file_atomic(const std::string& path, const void* data, size_t size, bool durable = true);
inline void write_file_atomic(const std::string& path, const std::vector<uint8_t>& b) {
    write_file_atomic(path, b.data(), b.size());
}
inline void write_file_atomic(const std::string& path, const std::string& s) {
    write_file_atomic(path, s.data(), s.size());
}
// A whole file mapped read-only. Throws Error naming the file.
class MappedFile {
public:
    // `whole`: read it all in now (a file read from end to end).
    explicit MappedFile(const std::string& path, bool whole = false);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    // Takes the pages holding bytes [offset, offset + n) out of this
    // process's resident set; they stay in the page cache and come back on
    // the next read.
    void drop(size_t offset, size_t n) const;
    // Copies bytes [offset, offset + n) without mapping them: scattered
    // reads through the mapping would map the kernel's read-around too.
    void read_at(size_t offset, size_t n, uint8_t* out) const;

private:
    std::string path_;
    int fd_ = -1;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

void make_dirs(const std::string& dir);
bool is_directory(const std::string& path);
// A pipe, a socket or a device: bytes that can be read once, as they come.
bool is_stream(const std::string& path);
// Throws Error when standard input is a directory (reading it would look
// like an empty input).
void check_stdin();
bool file_exists(const std::string& path);

// 64-bit FNV-1a, chainable; used for cache keys and model fingerprints.
uint64_t fnv1a(const void* data, size_t size, uint64_t h = 1469598103934665603ull);
inline uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
    return fnv1a(s.data(), s.size(), h);
}
std::string hex16(uint64_t v);
// A number as a person writes it, in the fewest digits (%g): 0.5, 1e-05.
std::string short_number(double v);
// RFC 4648 base64 with padding (pictures embedded in an HTML page).
std::string base64(const void* data, size_t size);

std::vector<std::string> split(const std::string& s, char sep);
std::vector<std::string> split_ws(const std::string& s);  // runs of blanks
std::string trim(const std::string& s);
std::string stem(const std::string& path);      // "a/b/c.png" -> "c"
std::string basename(const std::string& path);  // "a/b/c.png" -> "c.png"
std::string join_path(const std::string& a, const std::string& b);

// Deterministic generator (SplitMix64): the same numbers on every machine and
// library, unlike std::normal_distribution.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    int below(int n) { return int(next() % uint64_t(n)); }
    bool coin(double p = 0.5) { return uniform() < p; }
};

int default_threads();

// Runs work(i) for every i in [0, n) on up to `threads` threads (the
// caller's among them). The first exception stops the others from taking
// new items and is rethrown here, with its type. `progress(done)` is called
// under a lock after every `every` items and after the last.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& work,
                  const std::function<void(size_t)>& progress = {}, size_t every = 256);

// Calls fn(start, count) for consecutive chunks of [0, n) of at most `batch`.
template <class F>
void for_each_batch(size_t n, size_t batch, F&& fn) {
    for (size_t s = 0; s < n; s += batch) fn(s, n - s < batch ? n - s : batch);
}

}  // namespace ifgan
