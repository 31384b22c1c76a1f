#include "core/cli.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include "core/log.hpp"
#include "core/util.hpp"

namespace ifgan {

namespace {
// A reader such as `head` went away: that is a normal end for a filter.
void on_sigpipe(int) { _exit(0); }
}  // namespace

int run_tool(const char* name, int argc, char** argv, const std::function<int(int, char**)>& body) {
    set_tool_name(name);
    std::signal(SIGPIPE, on_sigpipe);
    try {
        int rc = body(argc, argv);
        if (std::fflush(stdout) != 0 && errno != EPIPE) throw Error("cannot write to standard output");
        return rc;
    } catch (const UsageError& e) {
        message(e.what());
        message("try '" + tool_name() + " --help'");
        return 2;
    } catch (const cxxopts::exceptions::exception& e) {
        message(e.what());
        message("try '" + tool_name() + " --help'");
        return 2;
    } catch (const std::exception& e) {
        // One line: LibTorch appends a backtrace to its messages.
        std::string what = e.what();
        message(what.substr(0, what.find('\n')));
        return 1;
    }
}

cxxopts::ParseResult parse_options(cxxopts::Options& opts, int argc, char** argv,
                                   const std::vector<std::string>& group_order) {
    opts.add_options("Common")("h,help", "show this help and exit")("version", "show the version and exit");
    auto r = opts.parse(argc, argv);
    if (r.count("help")) {
        std::vector<std::string> groups = group_order;
        if (!groups.empty()) groups.push_back("Common");
        std::cout << opts.help(groups) << std::flush;
        std::exit(0);
    }
    if (r.count("version")) {
        std::cout << tool_name() << " " << kVersion << "\n" << std::flush;
        std::exit(0);
    }
    return r;
}

std::vector<std::string> input_list(const std::vector<std::string>& args) {
    if (!args.empty()) return args;
    check_stdin();
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
        check_stdin();
        name = "stdin";
        return std::cin;
    }
    if (is_directory(files[0])) throw Error(files[0] + ": is a directory");
    holder.open(files[0]);
    if (!holder) throw Error(files[0] + ": cannot open");
    name = files[0];
    return holder;
}

std::vector<std::string> positional(const cxxopts::ParseResult& r, const std::string& key) {
    return r.count(key) ? r[key].as<std::vector<std::string>>() : std::vector<std::string>{};
}

int default_compute_threads() {
    auto is_pipe = [](int fd) {
        struct stat st;
        return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    };
    int n = default_threads();
    return (is_pipe(0) || is_pipe(1)) ? std::max(1, n / 2) : n;
}

void add_model_option(cxxopts::Options& opts, const std::string& help) {
    opts.add_options()("m,model", help, cxxopts::value<std::string>(), "FILE");
}

std::string model_path(const cxxopts::ParseResult& r) {
    if (!r.count("model")) throw UsageError("--model FILE is required");
    return r["model"].as<std::string>();
}

void add_compute_options(cxxopts::Options& opts, const std::string& what) {
    opts.add_options()("batch", what + " per batch", cxxopts::value<int>()->default_value("64"), "N")(
        "threads", "threads (default: the cores, half of them inside a pipe)",
        cxxopts::value<int>()->default_value(std::to_string(default_compute_threads())), "N");
}

ComputeOptions compute_options(const cxxopts::ParseResult& r) {
    ComputeOptions c;
    c.batch = r["batch"].as<int>();
    c.threads = r["threads"].as<int>();
    if (c.batch < 1) throw UsageError("--batch must be at least 1");
    if (c.threads < 1) throw UsageError("--threads must be at least 1");
    return c;
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
