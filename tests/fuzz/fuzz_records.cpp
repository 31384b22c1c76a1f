// libFuzzer target: the latent stream (what ifgan-flip and ifgan-decode read)
// and ifgan-flip's operations on each record. A malformed line must end in
// ifgan::Error naming it; anything else escaping is a bug.
#include <cstdint>
#include <sstream>
#include <string>

#include "core/latent.hpp"
#include "core/util.hpp"

using namespace ifgan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    RecordReader reader(in, "fuzz");
    std::vector<FlipOp> ops = {parse_flip_op(FlipOp::toggle, "Smiling"), parse_flip_op(FlipOp::sweep, "Eyeglasses=0:1:3")};
    try {
        Record r;
        while (reader.next(r)) {
            std::string line = format_record(r);
            Record back = parse_record(line.substr(0, line.size() - 1), "fuzz-back");
            if (back.z != r.z || back.y != r.y) __builtin_trap();  // the writer must round-trip
            try {
                apply_flip(r, ops, "fuzz");
            } catch (const Error&) {
            }
        }
    } catch (const Error&) {
    }
    return 0;
}
