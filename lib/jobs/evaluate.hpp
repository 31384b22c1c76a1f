// ifgan-eval's engine: the paper's edit-success protocol with an independent
// judge, plus reconstruction, preservation, leakage and counterfactual error.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace ifgan {

struct EvalOptions {
    std::string model, judge, data, split = "test", sheet;
    int threads = 1, batch = 128;
    size_t limit = 0;           // evaluate at most this many images (0: all)
    size_t probe_train = 5000;  // train-split images for the leakage probe
};

// Returns the report; `table` receives a human-readable summary.
nlohmann::ordered_json evaluate(const EvalOptions& o, std::string& table);

}  // namespace ifgan
