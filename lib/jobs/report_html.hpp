// ifgan-eval's one-page report: the measures, the edit sheet and the
// training curves in one self-contained HTML file (pictures embedded as data
// URIs, no scripts, no network).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/image.hpp"

namespace ifgan {

struct HtmlReport {
    const nlohmann::ordered_json* report = nullptr;  // ifgan-eval's JSON
    const Image* sheet = nullptr;                     // the edit sheet (may be empty)
    const Image* paste_sheet = nullptr;               // photos, pasted edits, truths (may be empty)
    std::vector<unsigned char> curves_svg;            // ifgan-plot's picture (may be empty)
    std::vector<std::string> logs;                    // the training logs the curves come from
};

std::string html_report(const HtmlReport& r);
// Text made safe for HTML element content and attribute values.
std::string html_escape(const std::string& s);

}  // namespace ifgan
