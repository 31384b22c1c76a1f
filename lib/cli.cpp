#include "cli.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include "util.hpp"

namespace ifgan {

namespace {
std::string g_tool = "ifgan";

// A reader such as `head` went away: that is a normal end for a filter.
void on_sigpipe(int) { _exit(0); }
}  // namespace

const std::string& tool_name() { return g_tool; }

void message(const std::string& text) {
    std::string line = g_tool + ": " + text + "\n";
    (void)!::write(2, line.data(), line.size());
}

int run_tool(const char* name, int argc, char** argv, const std::function<int(int, char**)>& body) {
    g_tool = name;
    std::signal(SIGPIPE, on_sigpipe);
    try {
        int rc = body(argc, argv);
        if (std::fflush(stdout) != 0 && errno != EPIPE) throw Error("cannot write to standard output");
        return rc;
    } catch (const UsageError& e) {
        message(e.what());
        message("try '" + g_tool + " --help'");
        return 2;
    } catch (const cxxopts::exceptions::exception& e) {
        message(e.what());
        message("try '" + g_tool + " --help'");
        return 2;
    } catch (const std::exception& e) {
        // One line: LibTorch appends a backtrace to its messages.
        std::string what = e.what();
        message(what.substr(0, what.find('\n')));
        return 1;
    }
}

cxxopts::ParseResult parse_options(cxxopts::Options& opts, int argc, char** argv) {
    opts.add_options("Common")("h,help", "show this help and exit")("version", "show the version and exit");
    auto r = opts.parse(argc, argv);
    if (r.count("help")) {
        std::cout << opts.help() << std::flush;
        std::exit(0);
    }
    if (r.count("version")) {
        std::cout << g_tool << " " << kVersion << "\n" << std::flush;
        std::exit(0);
    }
    return r;
}

std::vector<std::string> input_list(const std::vector<std::string>& args) {
    if (!args.empty()) return args;
    std::vector<std::string> out;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!trim(line).empty()) out.push_back(line);
    }
    return out;
}

std::istream& open_input(const std::vector<std::string>& files, std::ifstream& holder, std::string& name) {
    if (files.size() > 1) throw UsageError("at most one input file (default: stdin)");
    if (files.empty() || files[0] == "-") {
        name = "stdin";
        return std::cin;
    }
    holder.open(files[0]);
    if (!holder) throw Error(files[0] + ": cannot open");
    name = files[0];
    return holder;
}

std::vector<std::string> positional(const cxxopts::ParseResult& r, const std::string& key) {
    return r.count(key) ? r[key].as<std::vector<std::string>>() : std::vector<std::string>{};
}

bool stderr_is_terminal() { return ::isatty(2) == 1; }

int default_compute_threads() {
    auto is_pipe = [](int fd) {
        struct stat st;
        return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    };
    int n = default_threads();
    return (is_pipe(0) || is_pipe(1)) ? std::max(1, n / 2) : n;
}

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), tty_(stderr_is_terminal()) {
    start_ = last_ = std::chrono::steady_clock::now();
}

double Progress::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(size_t done, const std::string& extra) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double frac = total_ ? double(done) / double(total_) : 1.0;
    int width = 24, fill = int(frac * width);
    double t = elapsed();
    double eta = frac > 0 ? t / frac - t : 0;
    char buf[256];
    std::snprintf(buf, sizeof buf, "\r%s: %s [%.*s%*s] %zu/%zu %3.0f%% eta %.0fs %s\x1b[K", g_tool.c_str(),
                  label_.c_str(), fill, "########################", width - fill, "", done, total_, frac * 100, eta,
                  extra.c_str());
    (void)!::write(2, buf, std::strlen(buf));
    drawn_ = true;
}

void Progress::finish() {
    if (drawn_) (void)!::write(2, "\n", 1);
    drawn_ = false;
}

void write_stdout(const void* data, size_t size) {
    std::fflush(stdout);
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t w = ::write(1, p, size);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) _exit(0);
            throw Error(std::string("standard output: ") + std::strerror(errno));
        }
        p += w;
        size -= size_t(w);
    }
}

}  // namespace ifgan
