// libFuzzer target: PNG and JPEG through the project's loader, then the crop
// and resize every tool applies. Bad images end in ifgan::Error.
#include <cstdint>
#include <string>

#include "core/image.hpp"
#include "core/util.hpp"

using namespace ifgan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        Image img = decode_image(data, size, "fuzz", 32);
        Image small = prepare(img, Crop::center, 16);
        if (small.width != 16 || small.height != 16) __builtin_trap();
    } catch (const Error&) {
    }
    return 0;
}
