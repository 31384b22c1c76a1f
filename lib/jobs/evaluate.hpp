// ifgan-eval's engine: the paper's edit-success protocol with an independent
// judge, plus reconstruction, preservation, leakage and counterfactual error.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
    EditStyle edit;             // as ifgan-decode --edit-passes and --edit-floor
};

struct EvalResult {
    nlohmann::ordered_json report;  // the measures (ifgan-eval(1) lists the fields)
    Image sheet;  // rows: originals, reconstructions, per attribute the flipped edits (and true counterfactuals)
};
EvalResult evaluate(const EvalOptions& o);

// What the measures ask of an editor and a judge. evaluate(o) makes one of
// the model files o.model and o.judge; the known-answer tests make one of
// the truth itself.
struct EvalSubject {
    ModelConfig model;  // the editor's size, crop, nz and attributes
    std::vector<std::string> judge_attrs;
    std::string model_id, judge_id;  // their fingerprints, for the report
    // n prepared faces (3 x size x size, uint8) to z (n x nz) and y (n x k).
    std::function<void(const uint8_t* chw, size_t n, float* z, float* y)> encode;
    // The faces, encoded as (z, y_from), edited to the attributes y_to.
    std::function<void(const uint8_t* chw, const float* z, const float* y_from, const float* y_to, size_t n,
                       float* out)> edit;
    // The faces drawn from (z, y) alone, without their own maps: what an
    // edit of a model with skips draws where it withholds the photo. Unset:
    // the edit with y_from = y_to (a model without skips draws from the code).
    std::function<void(const float* z, const float* y, size_t n, float* out)> decode;
    // P(attribute | face), n x judge_attrs.size().
    std::function<void(const uint8_t* chw, size_t n, float* probs)> judge;
};
EvalResult evaluate(const EvalOptions& o, const EvalSubject& s);
// A judge (the classifier file `judge`, of config jc) must see the model's
// faces as they are and know its attributes; an Error naming the file if not.
void check_judge(const std::string& judge, const ModelConfig& c, const ModelConfig& jc);

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
