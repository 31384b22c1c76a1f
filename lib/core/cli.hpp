// What every tool shares: error reporting and exit codes, SIGPIPE manners,
// and input lists. No LibTorch here.
#pragma once
#include "core/log.hpp"  // every tool prints messages
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/cxxopts_fwd.hpp"


namespace ifgan {

// Runs body with the manners of docs/formats.md: Error -> message, exit 1;
// UsageError or a bad option -> message and a hint, exit 2; a closed stdout
// pipe -> quiet exit 0.
int run_tool(const char* name, int argc, char** argv, const std::function<int(int, char**)>& body);

// Parses argv; handles --help and --version (prints, exits 0). --help shows
// the option groups in `group_order` when given, else cxxopts' order.
cxxopts::ParseResult parse_options(cxxopts::Options& opts, int argc, char** argv,
                                   const std::vector<std::string>& group_order = {});

// Image paths: the positional arguments, or one per line on stdin when there
// are none. "-" stays "-" (one image read from stdin).
std::vector<std::string> input_list(const std::vector<std::string>& args);
// The positional option `key` of a parse result (empty when absent).
std::vector<std::string> positional(const cxxopts::ParseResult& r, const std::string& key);

// The one input a filter reads: FILE, or stdin when `files` is empty or "-".
// Sets `name` for messages ("stdin" or the path); `holder` keeps the file open.
std::istream& open_input(const std::vector<std::string>& files, std::ifstream& holder, std::string& name);

// Default --threads for a tool that computes: every core, but half of them
// when stdin or stdout is a pipe, because the other stages of the pipe run at
// the same time (measured: encode | flip | decode at 182 faces/s with two
// threads per stage on two cores, 302 with one).
int default_compute_threads();

// The options several tools share, declared and checked here once.
// -m/--model FILE, required: model_path() throws UsageError without it.
void add_model_option(cxxopts::Options& opts, const std::string& help = "model file (.ifgan)");
std::string model_path(const cxxopts::ParseResult& r);
// --batch N (`what` per batch, default 64) and --threads N (default:
// default_compute_threads()); compute_options() reads them, and a value
// below 1 is a UsageError naming the option.
struct ComputeOptions {
    int batch = 64, threads = 1;
};
void add_compute_options(cxxopts::Options& opts, const std::string& what = "images");
ComputeOptions compute_options(const cxxopts::ParseResult& r);

// Writes all bytes to stdout or throws; EPIPE ends the tool quietly.
void write_stdout(const void* data, size_t size);
inline void write_stdout(const std::string& s) { write_stdout(s.data(), s.size()); }

}  // namespace ifgan
