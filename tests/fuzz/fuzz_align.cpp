// libFuzzer target: what ifgan-align writes and ifgan-encode reads (align
// records), and landmark files (list_landmarks_celeba.txt, --landmarks).
// The first byte picks the parser.
#include <cstdint>
#include <sstream>
#include <string>

#include "core/align.hpp"
#include "core/util.hpp"

using namespace ifgan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        if (data[0] % 2 == 0) {
            AlignRecord r = parse_align_record(text, "stdin:1");
            // What ifgan-encode does next with the landmarks.
            (void)fit_similarity(r.landmarks, model_frame({}, 64));
        } else {
            std::istringstream in(text);
            for (const auto& [name, l] : parse_landmark_file(in, "list_landmarks_celeba.txt"))
                (void)fit_similarity(l, model_frame({}, 64));
        }
    } catch (const Error&) {
    } catch (const UsageError&) {
    }
    return 0;
}
