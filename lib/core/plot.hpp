// Training curves from ifgan-train's JSON Lines log, drawn by gnuplot: the
// log becomes named series, the series become one gnuplot script (data
// inline), and gnuplot renders it to PNG or SVG. No LibTorch here.
#pragma once
#include <istream>
#include <map>
#include <string>
#include <vector>

namespace ifgan {

// One curve: (step, value) points in log order.
struct Series {
    std::vector<double> x, y;
};

// Every numeric value of a log, by its dotted key ("loss.rec",
// "accuracy.Smiling", "rec_mse", "images_per_s"), against the record's step.
// Keys the plot does not know are kept and ignored by it.
struct TrainingLog {
    std::string name;  // the label of the run in the legend
    std::map<std::string, Series> series;
    size_t records = 0;
};

// Reads a log as ifgan-train writes it. A malformed line is an error naming
// FILE:LINE, except an unterminated last line, which a run still writing is
// allowed to have (it is skipped).
TrainingLog read_training_log(std::istream& in, const std::string& file, const std::string& name);
TrainingLog read_training_log(const std::string& path);

enum class PlotFormat { png, svg };
PlotFormat plot_format_for(const std::string& path);  // by extension; throws UsageError

struct PlotOptions {
    PlotFormat format = PlotFormat::png;
    int width = 0, height = 0;  // 0: chosen from the number of panels
    std::string title;
};

// The panels: which series each one draws.
struct Panel {
    std::string title, ylabel;
    std::vector<std::string> keys;        // series drawn solid
    std::vector<std::string> reference;   // series drawn dashed (e.g. the majority rate)
    bool log_y = false;
};
// The panels that have data in at least one log, in a fixed order.
std::vector<Panel> plot_panels(const std::vector<TrainingLog>& logs);

// A complete gnuplot script (data inline) that writes to `output`.
std::string gnuplot_script(const std::vector<TrainingLog>& logs, const PlotOptions& opt, const std::string& output);
// Runs gnuplot and returns the picture's bytes.
std::vector<unsigned char> render_curves(const std::vector<TrainingLog>& logs, const PlotOptions& opt);

}  // namespace ifgan
