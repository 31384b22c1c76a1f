// libFuzzer target: the data set label files (list_attr_celeba.txt,
// list_eval_partition.txt, attributes.csv). The first byte picks the parser.
#include <cstdint>
#include <string>

#include "core/dataset.hpp"
#include "core/util.hpp"

using namespace ifgan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    Dataset ds;
    try {
        switch (data[0] % 3) {
            case 0:
                parse_celeba_attrs(text, "list_attr_celeba.txt", ds);
                select_attrs(ds, ds.labels, {});
                break;
            case 1:
                // A partition for a known listing of three files.
                parse_celeba_attrs("3\nSmiling\na.png 1\nb.png -1\nc.png 1\n", "attrs", ds);
                parse_celeba_partition(text, "list_eval_partition.txt", ds);
                break;
            default:
                parse_plain_csv(text, "attributes.csv", ds);
                break;
        }
        for (size_t i = 0; i < ds.size(); ++i)
            for (size_t a = 0; a < ds.k(); ++a) (void)ds.label(i, a);
    } catch (const Error&) {
    } catch (const UsageError&) {
    }
    return 0;
}
