// ifgan-eval's engine: the paper's edit-success protocol with an independent
// judge, plus reconstruction, preservation, leakage and counterfactual error.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/image.hpp"

namespace ifgan {

struct EvalOptions {
    std::string model, judge, data, split = "test", sheet;
    int threads = 1, batch = 128;
    size_t limit = 0;           // evaluate at most this many images (0: all)
    size_t probe_train = 5000;  // train-split images for the leakage probes
    bool mlp_probe = true;      // also the nonlinear probe (seconds per attribute)
};

struct EvalResult {
    nlohmann::ordered_json report;  // the measures (ifgan-eval(1) lists the fields)
    Image sheet;  // rows: originals, reconstructions, per attribute the flipped edits (and true counterfactuals)
};
EvalResult evaluate(const EvalOptions& o);

// The report as a table for people, one measure a line.
std::string report_table(const nlohmann::ordered_json& report);

}  // namespace ifgan
