#include "jobs/report_html.hpp"

#include <cstdio>

#include "core/util.hpp"

namespace ifgan {

using ojson = nlohmann::ordered_json;

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    return out;
}

namespace {

// A measure as the page shows it: a rate in percent with one decimal, other
// numbers with `digits` decimals; "-" when the report has no value.
std::string percent(const ojson& v) {
    if (!v.is_number()) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", 100 * v.get<double>());
    return b;
}
std::string number(const ojson& v, int digits) {
    if (!v.is_number()) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", digits, v.get<double>());
    return b;
}
const ojson& at(const ojson& j, std::initializer_list<const char*> path) {
    static const ojson none;
    const ojson* p = &j;
    for (const char* k : path) {
        if (!p->is_object() || !p->contains(k)) return none;
        p = &(*p)[k];
    }
    return *p;
}
std::string row(const std::string& name, const std::string& value, const std::string& note = "") {
    return "<tr><th>" + html_escape(name) + "</th><td>" + html_escape(value) + "</td><td class=note>" +
           html_escape(note) + "</td></tr>\n";
}

std::string attribute_table(const std::string& name, const ojson& a) {
    std::string t = "<h3>" + html_escape(name) + "</h3>\n<table>\n";
    t += row("attribute estimate accuracy", percent(a["accuracy"]), "the encoder's ŷ against the labels; judge " +
                                                                        percent(a["judge_accuracy"]));
    t += row("edit success, set to 1", percent(at(a, {"edit", "to_1"})), "judged by the independent classifier");
    t += row("edit success, set to 0", percent(at(a, {"edit", "to_0"})), "");
    t += row("other attributes preserved", percent(at(a, {"preservation", "vs_original"})),
             "vs the original; vs the reconstruction " + percent(at(a, {"preservation", "vs_reconstruction"})));
    t += row("leakage: linear probe on z", percent(at(a, {"leakage", "probe_accuracy"})),
             "majority rate " + percent(at(a, {"leakage", "majority"})));
    if (at(a, {"leakage", "mlp_probe_accuracy"}).is_number())
        t += row("leakage: MLP probe on z", percent(at(a, {"leakage", "mlp_probe_accuracy"})), "");
    if (a.contains("counterfactual")) {
        const ojson& cf = a["counterfactual"];
        t += row("MSE to the true counterfactual", number(cf["edit_mse"], 5),
                 "reconstruction's MSE to the original " + number(cf["rec_mse"], 5) + ", ratio " + number(cf["ratio"], 2));
        t += row("SSIM to the true counterfactual", number(cf["edit_ssim"], 3), "PSNR " + number(cf["edit_psnr"], 2) + " dB");
        t += row("sharpness where the truth changes the face", number(cf["sharpness"], 2),
                 "the edit's detail over the truth's: 1 as sharp, below 1 blurred (noise raises it)");
        t += row("detail matching the truth's", number(cf["detail"], 2),
                 "correlation of the edit's and the truth's Laplacian there: 1 the truth's detail, 0 unrelated");
        t += row("grid pattern", number(at(cf, {"grid", "ratio"}), 2),
                 "the edits' period-2 and period-4 pattern over the truth's");
        for (auto [to, label] : {std::pair{"to_1", "to 1"}, {"to_0", "to 0"}})
            if (at(cf, {"sharpness_by_edit", to, "sharpness"}).is_number())
                t += row(std::string("sharpness, edits ") + label, number(at(cf, {"sharpness_by_edit", to, "sharpness"}), 2),
                         "the same measure over these edits alone; detail " +
                             number(at(cf, {"sharpness_by_edit", to, "detail"}), 2));
        for (auto [label, faces] : {std::pair{"label_1", "with"}, {"label_0", "without"}})
            if (at(cf, {"decoder_alone", label, "sharpness"}).is_number())
                t += row(std::string("sharpness from the code, faces ") + faces,
                         number(at(cf, {"decoder_alone", label, "sharpness"}), 2),
                         "the reconstruction from the code alone against the face, there: how sharp the decoder "
                         "draws what an edit withholds; detail " +
                             number(at(cf, {"decoder_alone", label, "detail"}), 2));
        for (auto [to, label] : {std::pair{"to_1", "to 1"}, {"to_0", "to 0"}})
            if (at(cf, {"change_made", to, "made"}).is_number())
                t += row(std::string("true change made, edits ") + label, number(at(cf, {"change_made", to, "made"}), 2),
                         "1 the true change, 0 none (what is left of the old attribute); besides it, stray change " +
                             number(at(cf, {"change_made", to, "stray"}), 2) + " of the true change's energy");
    }
    return t + "</table>\n";
}

// The photo-in/photo-out measures: pasted at full size beside the crop mode.
std::string paste_table(const ojson& p) {
    std::string t = "<h2>Photo in, photo out</h2>\n<p>" + number(p["photos"], 0) + " photos in <code>" +
                    html_escape(p.value("dir", "")) +
                    "</code>: each aligned by its landmarks, edited, and pasted back at its own size (feather " +
                    number(p["feather"], 2) + "); beside it the crop mode, the decoder's output at model size.</p>\n";
    t += "<table>\n<tr><th></th><th>pasted</th><th>crop mode</th></tr>\n";
    auto cells = [&](const std::string& label, const ojson& a, std::initializer_list<const char*> path, bool pct) {
        const ojson &x = at(a["paste"], path), &y = at(a["crop"], path);
        return "<tr><th>" + html_escape(label) + "</th><td>" + (pct ? percent(x) : number(x, 3)) + "</td><td>" +
               (pct ? percent(y) : number(y, 3)) + "</td></tr>\n";
    };
    for (const auto& [name, a] : p["attributes"].items()) {
        t += "<tr><th colspan=3>" + html_escape(name) + "</th></tr>\n";
        t += cells("edit success, set to 1", a, {"edit", "to_1"}, true);
        t += cells("edit success, set to 0", a, {"edit", "to_0"}, true);
        t += cells("other attributes preserved (vs the original)", a, {"preservation"}, true);
        t += cells("error to the true counterfactual / unedited photo's", a, {"counterfactual", "ratio"}, false);
        t += cells("the same for the truth itself at model size, pasted (the least an edit can reach)", a,
                   {"counterfactual", "truth_ratio"}, false);
        t += cells("sharpness where the truth changes the photo", a, {"counterfactual", "sharpness"}, false);
        t += cells("detail matching the truth's there", a, {"counterfactual", "detail"}, false);
    }
    return t + "</table>\n";
}

std::string png_data_uri(const Image& img) {
    std::vector<uint8_t> png = encode_png(img);
    return "data:image/png;base64," + base64(png.data(), png.size());
}

std::string sheet_caption(const ojson& report) {
    std::string rows = "Rows: originals, reconstructions";
    for (const auto& [name, a] : report["attributes"].items()) {
        rows += ", " + name + " flipped";
        if (a.contains("counterfactual")) rows += ", " + name + " true counterfactual";
    }
    return rows + ".";
}

const char* kStyle =
    "body{font-family:sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{padding:.25em .8em;border-bottom:1px solid #ddd;"
    "text-align:left}td{font-variant-numeric:tabular-nums;text-align:right}td.note{text-align:left;color:#666}"
    "img{max-width:100%;image-rendering:pixelated;border:1px solid #ccc}img.curves{image-rendering:auto}img.sheet{width:100%}"
    "pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:85%}figcaption{color:#555;margin-top:.3em}";

}  // namespace

std::string html_report(const HtmlReport& r) {
    const ojson& rep = *r.report;
    std::string title = "ifgan evaluation: " + rep.value("model_file", std::string("model"));
    std::string h = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>" + html_escape(title) +
                    "</title>\n<style>" + kStyle + "</style></head><body>\n<h1>" + html_escape(title) + "</h1>\n";
    h += "<p>Model <code>" + html_escape(rep.value("model_file", "")) + "</code> (" + html_escape(rep.value("model", "")) +
         "), judge " + html_escape(rep.value("judge", "")) + ", data <code>" + html_escape(rep.value("data", "")) +
         "</code>, split " + html_escape(rep.value("split", "")) + ", " + number(rep["count"], 0) + " images.</p>\n";
    h += "<h2>Measures</h2>\n<table>\n";
    h += row("reconstruction MSE", number(at(rep, {"reconstruction", "mse"}), 5), "");
    h += row("reconstruction PSNR", number(at(rep, {"reconstruction", "psnr"}), 2) + " dB", "");
    h += row("reconstruction SSIM", number(at(rep, {"reconstruction", "ssim"}), 3), "");
    h += "</table>\n";
    for (const auto& [name, a] : rep["attributes"].items()) h += attribute_table(name, a);
    if (r.sheet && r.sheet->width > 0)
        h += "<h2>Edits</h2>\n<figure><img class=sheet alt='edit sheet' src='" + png_data_uri(*r.sheet) + "'><figcaption>" +
             html_escape(sheet_caption(rep)) + "</figcaption></figure>\n";
    if (rep.contains("paste")) {
        h += paste_table(rep["paste"]);
        if (r.paste_sheet && r.paste_sheet->width > 0)
            h += "<figure><img class=sheet alt='pasted edits' src='" + png_data_uri(*r.paste_sheet) +
                 "'><figcaption>Per row: a photo, the edit pasted into it at its own size, the true "
                 "counterfactual photo.</figcaption></figure>\n";
    }
    if (!r.curves_svg.empty()) {
        std::string logs;
        for (const std::string& l : r.logs) logs += (logs.empty() ? "" : ", ") + l;
        h += "<h2>Training</h2>\n<figure><img class=curves alt='training curves' src='data:image/svg+xml;base64," +
             base64(r.curves_svg.data(), r.curves_svg.size()) + "'><figcaption>From " + html_escape(logs) +
             ".</figcaption></figure>\n";
    }
    h += "<h2>The report as JSON</h2>\n<details><summary>every field</summary><pre>" + html_escape(rep.dump(2)) +
         "</pre></details>\n</body></html>\n";
    return h;
}

}  // namespace ifgan
