// ifgan-eval's engine: the paper's edit-success protocol with an independent
// judge, plus reconstruction, preservation, leakage and counterfactual error.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/image.hpp"
#include "jobs/pipeline.hpp"

namespace ifgan {

struct EvalOptions {
    std::string model, judge, data, split = "test", sheet;
    int threads = 1, batch = 128;
    size_t limit = 0;           // evaluate at most this many images (0: all)
    size_t probe_train = 5000;  // train-split images for the leakage probes
    bool mlp_probe = true;      // also the nonlinear probe (seconds per attribute)
    PasteStyle paste_style;     // --paste: as ifgan-decode --feather and --replace
};

struct EvalResult {
    nlohmann::ordered_json report;  // the measures (ifgan-eval(1) lists the fields)
    Image sheet;  // rows: originals, reconstructions, per attribute the flipped edits (and true counterfactuals)
};
EvalResult evaluate(const EvalOptions& o);

// The report as a table for people, one measure a line.
std::string report_table(const nlohmann::ordered_json& report);

// The photo-in/photo-out path on the data set's photos in the wild (DATA/wild,
// ifgan-synth --wild): edit success, preservation and the error to the true
// counterfactual photo of the edits pasted at full size, beside the same
// measures of the crop mode. `limit` caps the photos.
struct PasteResult {
    nlohmann::ordered_json report;
    Image sheet;  // per row: a photo, its pasted edit (first attribute), its true counterfactual
};
PasteResult evaluate_paste(const EvalOptions& o);
std::string paste_table(const nlohmann::ordered_json& paste_report);

}  // namespace ifgan
