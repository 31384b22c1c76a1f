#include "core/util.hpp"

#include <algorithm>

#include <exception>

#include <mutex>

#include <atomic>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace ifgan {

bool is_directory(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_stream(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode);
}

void check_stdin() {
    struct stat st;
    if (::fstat(0, &st) == 0 && S_ISDIR(st.st_mode)) throw Error("stdin: is a directory");
}

std::vector<uint8_t> read_file(const std::string& path) {
    if (is_directory(path)) throw Error(path + ": is a directory");
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(path + ": " + std::strerror(errno));
    std::vector<uint8_t> out;
    uint8_t buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    bool bad = std::ferror(f);
    std::fclose(f);
    if (bad) throw Error(path + ": read error");
    return out;
}

void write_file_atomic(const std::string& path, const void* data, size_t size, bool durable) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw Error(tmp + ": " + std::strerror(errno));
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error(tmp + ": " + std::strerror(e));
        }
        p += w;
        left -= size_t(w);
    }
    if ((durable && ::fsync(fd) != 0) || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        throw Error(tmp + ": cannot flush");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw Error(path + ": " + std::strerror(e));
    }
}

MappedFile::MappedFile(const std::string& path, bool whole) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(path + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        ::close(fd_);
        throw Error(path + ": not a regular file with data");
    }
    size_ = size_t(st.st_size);
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED | (whole ? MAP_POPULATE : 0), fd_, 0);
    if (p == MAP_FAILED) {
        ::close(fd_);
        throw Error(path + ": cannot map: " + std::strerror(errno));
    }
    data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
    ::munmap(const_cast<uint8_t*>(data_), size_);
    ::close(fd_);
}

void MappedFile::read_at(size_t offset, size_t n, uint8_t* out) const {
    while (n > 0) {
        ssize_t r = ::pread(fd_, out, n, off_t(offset));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) throw Error(path_ + ": read failed at byte " + std::to_string(offset));
        out += r, n -= size_t(r), offset += size_t(r);
    }
}

void MappedFile::drop(size_t offset, size_t n) const {
    static const size_t page = size_t(::sysconf(_SC_PAGESIZE));
    size_t first = offset / page * page, end = std::min(size_, (offset + n + page - 1) / page * page);
    // Pages shared with a neighbouring image are read again when it is used.
    if (end > first) ::madvise(const_cast<uint8_t*>(data_) + first, end - first, MADV_DONTNEED);
}

void make_dirs(const std::string& dir) {
    if (dir.empty()) return;
    std::string cur;
    for (size_t i = 0; i <= dir.size(); ++i) {
        if (i == dir.size() || dir[i] == '/') {
            if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
                throw Error(cur + ": " + std::strerror(errno));
        }
        if (i < dir.size()) cur += dir[i];
    }
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error(dir + ": not a directory");
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

uint64_t fnv1a(const void* data, size_t size, uint64_t h) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

std::string hex16(uint64_t v) {
    char b[17];
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
    return b;
}

std::string short_number(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::vector<std::string> split_ws(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\r') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return "";
    size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

std::string basename(const std::string& path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string stem(const std::string& path) {
    std::string b = basename(path);
    size_t dot = b.find_last_of('.');
    return (dot == std::string::npos || dot == 0) ? b : b.substr(0, dot);
}

std::string join_path(const std::string& a, const std::string& b) {
    if (a.empty() || (!b.empty() && b[0] == '/')) return b;
    return a.back() == '/' ? a + b : a + "/" + b;
}

int default_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : int(n);
}

void parallel_for(size_t n, int threads, const std::function<void(size_t)>& work,
                  const std::function<void(size_t)>& progress, size_t every) {
    std::atomic<size_t> next{0}, done{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::exception_ptr first_error;
    auto worker = [&] {
        for (size_t i; !failed && (i = next++) < n;) {
            try {
                work(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mu);
                if (!first_error) first_error = std::current_exception();
                failed = true;
                return;
            }
            size_t d = ++done;
            if (progress && (d % every == 0 || d == n)) {
                std::lock_guard<std::mutex> lock(mu);
                progress(d);
            }
        }
    };
    int nt = int(std::max<size_t>(1, std::min<size_t>(size_t(std::max(threads, 1)), n)));
    std::vector<std::thread> pool;
    for (int t = 1; t < nt; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (first_error) std::rethrow_exception(first_error);
}

std::string base64(const void* data, size_t size) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto* p = static_cast<const unsigned char*>(data);
    std::string out;
    out.reserve((size + 2) / 3 * 4);
    for (size_t i = 0; i < size; i += 3) {
        uint32_t v = uint32_t(p[i]) << 16;
        if (i + 1 < size) v |= uint32_t(p[i + 1]) << 8;
        if (i + 2 < size) v |= p[i + 2];
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += i + 1 < size ? digits[(v >> 6) & 63] : '=';
        out += i + 2 < size ? digits[v & 63] : '=';
    }
    return out;
}

}  // namespace ifgan
