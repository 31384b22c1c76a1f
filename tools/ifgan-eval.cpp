// ifgan-eval: measures a model's edits with an independent judge.
#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "core/image.hpp"
#include "core/dataset.hpp"
#include "core/plot.hpp"
#include "jobs/evaluate.hpp"
#include "jobs/report_html.hpp"
#include "nn/model.hpp"
#include "core/util.hpp"

using namespace ifgan;

static int eval_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-eval", "Evaluate edits, reconstructions, classification and leakage of an ifgan model.");
    add_model_option(opts, "ifgan model");
    add_compute_options(opts);
    add_paste_style_options(opts);
    add_edit_options(opts);
    opts.add_options()(
        "classifier", "independent judge (ifgan-train --kind classifier)", cxxopts::value<std::string>())(
        "data", "labelled data set", cxxopts::value<std::string>())(
        "split", "train, val, test or all", cxxopts::value<std::string>()->default_value("test"))(
        "json", "write the report to FILE instead of stdout", cxxopts::value<std::string>())(
        "sheet", "write original / reconstruction / flipped / counterfactual rows for 16 faces", cxxopts::value<std::string>())(
        "html", "write a one-page report (measures, edit sheet, curves) to FILE", cxxopts::value<std::string>())(
        "log", "training log for the report's curves (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "limit", "evaluate at most N images", cxxopts::value<size_t>()->default_value("0"))(
        "probe-train", "train-split images for the leakage probes", cxxopts::value<size_t>()->default_value("5000"))(
        "no-mlp-probe", "skip the nonlinear (MLP) leakage probe")(
        "paste", "also measure edits pasted into the data set's photos in the wild (DATA/wild)")(
        "paste-sheet", "with --paste: write photo / pasted edit / true counterfactual rows to FILE",
        cxxopts::value<std::string>());
    auto r = parse_options(opts, argc, argv);
    if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
    EvalOptions o;
    o.model = model_path(r);
    for (const char* k : {"classifier", "data"})
        if (!r.count(k)) throw UsageError(std::string("--") + k + " is required");
    const ComputeOptions co = compute_options(r);
    o.judge = r["classifier"].as<std::string>();
    o.data = r["data"].as<std::string>();
    o.split = r["split"].as<std::string>();
    parse_split(o.split);
    if (r.count("sheet")) o.sheet = r["sheet"].as<std::string>();
    o.limit = r["limit"].as<size_t>();
    o.probe_train = r["probe-train"].as<size_t>();
    o.mlp_probe = r.count("no-mlp-probe") == 0;
    o.batch = co.batch;
    o.threads = co.threads;
    const bool paste = r.count("paste") > 0;
    if (!paste && (r.count("paste-sheet") || r.count("feather") || r.count("replace")))
        throw UsageError("--paste-sheet, --feather and --replace go with --paste");
    o.paste_style = paste_style_options(r);
    o.edit = edit_style_options(r);
    set_threads(o.threads);
    keep_freed_memory();  // the batches' tensors, allocated afresh thousands of times
    // The curves first: a bad log is found before minutes of evaluation.
    HtmlReport page;
    if (r.count("log")) {
        if (!r.count("html")) throw UsageError("--log is for the --html report's curves");
        std::vector<TrainingLog> logs;
        for (const std::string& f : r["log"].as<std::vector<std::string>>()) {
            logs.push_back(read_training_log(f));
            page.logs.push_back(f);
        }
        PlotOptions po;
        po.format = PlotFormat::svg;
        page.curves_svg = render_curves(logs, po);
    }
    EvalResult result = evaluate(o);
    if (!o.sheet.empty()) write_png(o.sheet, result.sheet);
    PasteResult pasted;
    if (paste) {
        pasted = evaluate_paste(o);
        result.report["paste"] = pasted.report;
        if (r.count("paste-sheet")) write_png(r["paste-sheet"].as<std::string>(), pasted.sheet);
    }
    if (r.count("html")) {
        page.report = &result.report;
        page.sheet = &result.sheet;
        page.paste_sheet = &pasted.sheet;
        write_file_atomic(r["html"].as<std::string>(), html_report(page));
    }
    message(report_table(result.report) + (paste ? paste_table(result.report["paste"]) : ""));
    std::string out = result.report.dump(2) + "\n";
    if (r.count("json"))
        write_file_atomic(r["json"].as<std::string>(), out);
    else
        write_stdout(out);
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-eval", argc, argv, eval_main); }
