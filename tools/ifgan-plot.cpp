// ifgan-plot: training curves from ifgan-train logs, drawn by gnuplot.
// Several logs are overlaid to compare runs. Needs no model and no LibTorch.
#include <unistd.h>

#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "core/plot.hpp"
#include "core/util.hpp"

using namespace ifgan;

static PlotFormat parse_format(const std::string& f) {
    if (f == "png") return PlotFormat::png;
    if (f == "svg") return PlotFormat::svg;
    throw UsageError("--format must be png or svg, not '" + f + "'");
}

static int plot_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-plot", "Draw training curves from ifgan-train logs (JSON Lines) with gnuplot.");
    opts.positional_help("LOG...");
    opts.add_options()("o,output", "write the picture to FILE (.png or .svg); default stdout",
                       cxxopts::value<std::string>())(
        "format", "png or svg (default: from the output's name; png on stdout)", cxxopts::value<std::string>())(
        "title", "a title above the panels", cxxopts::value<std::string>())(
        "label", "the legend's name for each LOG, in order (repeatable; default: the file's stem)",
        cxxopts::value<std::vector<std::string>>())(
        "size", "WIDTHxHEIGHT in pixels (default: from the number of panels)", cxxopts::value<std::string>())(
        "script", "print the gnuplot script (data inline) instead of drawing")(
        "logs", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"logs"});
    auto r = parse_options(opts, argc, argv);
    std::vector<std::string> files = positional(r, "logs");
    if (files.empty()) throw UsageError("no log given (ifgan-plot train.jsonl -o curves.png)");
    std::vector<std::string> labels;
    if (r.count("label")) labels = r["label"].as<std::vector<std::string>>();
    if (!labels.empty() && labels.size() != files.size())
        throw UsageError("--label given " + std::to_string(labels.size()) + " times for " + std::to_string(files.size()) + " logs");

    PlotOptions po;
    std::string output = r.count("output") ? r["output"].as<std::string>() : "-";
    if (r.count("format"))
        po.format = parse_format(r["format"].as<std::string>());
    else if (output != "-")
        po.format = plot_format_for(output);
    if (r.count("title")) po.title = r["title"].as<std::string>();
    if (r.count("size")) {
        std::string s = r["size"].as<std::string>();
        if (std::sscanf(s.c_str(), "%dx%d", &po.width, &po.height) != 2 || po.width < 100 || po.height < 100 ||
            po.width > 10000 || po.height > 10000)
            throw UsageError("--size must be WIDTHxHEIGHT, each 100 to 10000 (got '" + s + "')");
    }

    std::vector<TrainingLog> logs;
    for (size_t i = 0; i < files.size(); ++i) {
        logs.push_back(read_training_log(files[i]));
        if (!labels.empty()) logs.back().name = labels[i];
    }
    if (r.count("script")) {
        write_stdout(gnuplot_script(logs, po, output == "-" ? "curves." + std::string(po.format == PlotFormat::png ? "png" : "svg") : output));
        return 0;
    }
    if (output == "-" && isatty(STDOUT_FILENO))
        throw UsageError("will not write a picture to a terminal: give -o FILE or redirect stdout");
    std::vector<unsigned char> picture = render_curves(logs, po);
    if (output == "-")
        write_stdout(picture.data(), picture.size());
    else
        write_file_atomic(output, picture.data(), picture.size());
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-plot", argc, argv, plot_main); }
