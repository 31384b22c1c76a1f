// ifgan-flip: sets, toggles or sweeps attributes in a latent stream. Needs no
// model and no LibTorch.
#include <cxxopts.hpp>
#include <fstream>
#include <iostream>

#include "core/cli.hpp"
#include "core/latent.hpp"
#include "core/util.hpp"

using namespace ifgan;

static int flip_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-flip", "Change attribute values in a latent stream (stdin to stdout).");
    opts.add_options()("set", "ATTR=VALUE: set an attribute (repeatable; any real value)",
                       cxxopts::value<std::vector<std::string>>())(
        "toggle", "ATTR: 1 if below 0.5, else 0 (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "sweep", "ATTR=FROM:TO:N: N records per input, each with a \"step\" key",
        cxxopts::value<std::vector<std::string>>());
    auto r = parse_options(opts, argc, argv);
    std::vector<FlipOp> ops;
    // Order: sets, then toggles, then sweeps (a sweep multiplies records).
    if (r.count("set"))
        for (auto& a : r["set"].as<std::vector<std::string>>()) ops.push_back(parse_flip_op(FlipOp::set, a));
    if (r.count("toggle"))
        for (auto& a : r["toggle"].as<std::vector<std::string>>()) ops.push_back(parse_flip_op(FlipOp::toggle, a));
    if (r.count("sweep"))
        for (auto& a : r["sweep"].as<std::vector<std::string>>()) ops.push_back(parse_flip_op(FlipOp::sweep, a));
    std::ifstream file;
    std::string name;
    std::istream& in = open_input(r.unmatched(), file, name);
    std::ios::sync_with_stdio(false);
    RecordReader reader(in, name);
    Record rec;
    std::string out;
    try {
        while (reader.next(rec)) {
            for (const Record& o : apply_flip(rec, ops, name + ":" + std::to_string(rec.line)))
                out += format_record(o);
            if (out.size() > (1 << 16)) {
                write_stdout(out);
                out.clear();
            }
        }
    } catch (const Error&) {
        write_stdout(out);  // what was good still goes downstream, then the error
        throw;
    }
    write_stdout(out);
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-flip", argc, argv, flip_main); }
