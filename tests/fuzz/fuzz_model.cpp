// libFuzzer target: the model file reader. A damaged, truncated or hostile
// file must end in ifgan::Error naming it, never a crash or another model.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "core/util.hpp"
#include "nn/checkpoint.hpp"

using namespace ifgan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = "/tmp/ifgan-fuzz-model-" + std::to_string(::getpid()) + ".ifgan";
    write_file_atomic(path, data, size, false);
    try {
        LoadedModel m = load_model(path, kPartAll, "");
        (void)m;
    } catch (const Error&) {
    }
    return 0;
}
