#include "core/plot.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/util.hpp"

namespace ifgan {

using nlohmann::json;

namespace {

// Adds every numeric leaf under `j` as "prefix.key" at x. Arrays and strings
// are not curves; null (how JSON writes a NaN loss) leaves a gap.
void add_leaves(TrainingLog& log, const json& j, const std::string& prefix, double x) {
    for (auto& [k, v] : j.items()) {
        std::string key = prefix.empty() ? k : prefix + "." + k;
        if (v.is_object()) {
            add_leaves(log, v, key, x);
        } else if (v.is_number()) {
            Series& s = log.series[key];
            s.x.push_back(x);
            s.y.push_back(v.get<double>());
        }
    }
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// gnuplot single-quoted string: a quote is written twice.
std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

bool all_zero(const Series& s) {
    return std::all_of(s.y.begin(), s.y.end(), [](double v) { return v == 0; });
}

}  // namespace

TrainingLog read_training_log(std::istream& in, const std::string& file, const std::string& name) {
    TrainingLog log;
    log.name = name;
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        bool last_unterminated = in.eof();
        if (trim(line).empty()) continue;
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            if (last_unterminated) break;  // a run still writing its last line
            throw Error(file + ":" + std::to_string(n) + ": not a JSON object (is this an ifgan-train log?)");
        }
        ++log.records;
        // Only records with a step are points in time: the start record holds
        // options, the end record what was kept.
        if (!j.contains("step") || !j["step"].is_number()) continue;
        double x = j["step"].get<double>();
        json values = j;
        for (const char* k : {"step", "epoch", "lr", "val_images", "epoch_seconds"}) values.erase(k);
        add_leaves(log, values, "", x);
    }
    if (in.bad()) throw Error(file + ": read error");
    return log;
}

TrainingLog read_training_log(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw Error(path + ": cannot open");
    return read_training_log(f, path, stem(path));
}

PlotFormat plot_format_for(const std::string& path) {
    auto dot = path.rfind('.');
    std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "png") return PlotFormat::png;
    if (ext == "svg") return PlotFormat::svg;
    throw UsageError(path + ": the picture's name must end in .png or .svg (or give --format)");
}

std::vector<Panel> plot_panels(const std::vector<TrainingLog>& logs) {
    const std::vector<std::string> main_losses = {"loss.eg", "loss.rec", "loss.kl"};
    std::vector<Panel> all = {
        {"Encoder-decoder losses (log scale)", "loss", {}, {}, true},
        {"Adversarial and classifier losses", "loss", {}, {}, false},
        {"Attribute estimate accuracy (validation)", "accuracy", {}, {}, false},
        {"Auxiliary network on z (validation; dashed: majority rate)", "accuracy", {}, {}, false},
        {"Reconstruction MSE (validation)", "MSE", {}, {}, false},
        {"Edits judged successful (validation faces, --judge)", "share", {}, {}, false},
        {"Training throughput", "images/s", {}, {}, false},
    };
    auto add = [](std::vector<std::string>& v, const std::string& k) {
        if (std::find(v.begin(), v.end(), k) == v.end()) v.push_back(k);
    };
    for (const TrainingLog& log : logs)
        for (const auto& [key, s] : log.series) {
            if (std::find(main_losses.begin(), main_losses.end(), key) != main_losses.end())
                add(all[0].keys, key);
            else if (starts_with(key, "loss.") && !all_zero(s))  // a term the recipe switched off logs 0
                add(all[1].keys, key);
            else if (starts_with(key, "accuracy."))
                add(all[2].keys, key);
            else if (starts_with(key, "aux_accuracy."))
                add(all[3].keys, key);
            else if (starts_with(key, "majority."))
                add(all[3].reference, key);
            else if (key == "rec_mse")
                add(all[4].keys, key);
            else if (starts_with(key, "judged_edits.") && !ends_with(key, ".faces"))
                add(all[5].keys, key);
            else if (key == "images_per_s")
                add(all[6].keys, key);
        }
    std::vector<Panel> used;
    for (Panel& p : all) {
        std::sort(p.keys.begin(), p.keys.end());
        std::sort(p.reference.begin(), p.reference.end());
        if (!p.keys.empty()) used.push_back(p);
    }
    return used;
}

namespace {

// One datablock per (log, series): "$d<log>_<series>".
struct Block {
    std::string name, title;
    int color, dash;
    bool points;
};

std::string datablock(const std::string& name, const Series& s, bool positive_only) {
    std::ostringstream o;
    o.precision(9);
    o << name << " << EOD\n";
    for (size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.y[i]) || (positive_only && s.y[i] <= 0)) continue;
        o << s.x[i] << ' ' << s.y[i] << '\n';
    }
    o << "EOD\n";
    return o.str();
}

std::string legend_name(const std::string& key) {
    auto dot = key.find('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

std::string gnuplot_script(const std::vector<TrainingLog>& logs, const PlotOptions& opt, const std::string& output) {
    std::vector<Panel> panels = plot_panels(logs);
    if (panels.empty()) throw Error("no curves: the log has no step or validation records yet");
    int cols = panels.size() >= 3 ? 2 : int(panels.size());
    int rows = int((panels.size() + size_t(cols) - 1) / size_t(cols));
    int w = opt.width > 0 ? opt.width : 560 * cols, h = opt.height > 0 ? opt.height : 340 * rows + 40;
    std::ostringstream o;
    o << "# ifgan-plot: " << logs.size() << " log(s), " << panels.size() << " panels\n";
    if (opt.format == PlotFormat::png)
        o << "set terminal pngcairo noenhanced size " << w << "," << h << " font 'sans,9'\n";
    else
        o << "set terminal svg noenhanced size " << w << "," << h << " font 'sans,9' background '#ffffff'\n";
    o << "set output " << quoted(output) << "\n";
    o << "set grid lc rgb '#dddddd'\nset key top right font ',8'\nset xlabel 'step'\n";
    o << "set multiplot layout " << rows << "," << cols;
    if (!opt.title.empty()) o << " title " << quoted(opt.title);
    o << "\n";
    int block_id = 0;
    for (const Panel& p : panels) {
        std::vector<Block> blocks;
        std::string data;
        auto add = [&](const std::string& key, bool reference, int key_index) {
            for (size_t li = 0; li < logs.size(); ++li) {
                auto it = logs[li].series.find(key);
                if (it == logs[li].series.end()) continue;
                std::string name = "$d" + std::to_string(block_id++);
                data += datablock(name, it->second, p.log_y);
                std::string title = legend_name(key) + (reference ? " (majority)" : "");
                if (logs.size() > 1) title = logs[li].name + ": " + title;
                // One run: a colour per series. Several runs: a colour per run,
                // a dash pattern per series.
                int color = logs.size() > 1 ? int(li) + 1 : key_index + 1;
                int dash = reference ? 2 : (logs.size() > 1 ? key_index + 1 : 1);
                blocks.push_back({name, title, color, dash, it->second.x.size() <= 60});
            }
        };
        for (size_t k = 0; k < p.keys.size(); ++k) add(p.keys[k], false, int(k));
        for (size_t k = 0; k < p.reference.size(); ++k) {
            // The majority rate of attribute a is drawn in a's colour.
            std::string attr = legend_name(p.reference[k]);
            int index = int(k);
            for (size_t j = 0; j < p.keys.size(); ++j)
                if (legend_name(p.keys[j]) == attr) index = int(j);
            add(p.reference[k], true, index);
        }
        o << data;
        o << "set title " << quoted(p.title) << "\nset ylabel " << quoted(p.ylabel) << "\n";
        o << (p.log_y ? "set logscale y\n" : "unset logscale y\n");
        o << "plot ";
        for (size_t b = 0; b < blocks.size(); ++b) {
            const Block& k = blocks[b];
            o << (b ? ", \\\n     " : "") << k.name << " using 1:2 with " << (k.points ? "linespoints pt 7 ps 0.5" : "lines")
              << " lw 1.5 lc " << k.color << " dt " << k.dash << " title " << quoted(k.title);
        }
        o << "\n";
    }
    o << "unset multiplot\nset output\n";
    return o.str();
}

std::vector<unsigned char> render_curves(const std::vector<TrainingLog>& logs, const PlotOptions& opt) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir_template = std::string(tmp && *tmp ? tmp : "/tmp") + "/ifgan-plot.XXXXXX";
    std::vector<char> buf(dir_template.begin(), dir_template.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw Error("cannot make a temporary directory in " + dir_template);
    std::string dir = buf.data(), picture = dir + "/curves", errors = dir + "/errors";
    std::string script = gnuplot_script(logs, opt, picture);
    // gnuplot's warnings (an empty x range while only one step is logged) are
    // kept for the error message rather than printed.
    std::string cmd = "gnuplot 2>'" + errors + "'";
    FILE* p = popen(cmd.c_str(), "w");
    if (!p) throw Error("cannot start gnuplot");
    std::fwrite(script.data(), 1, script.size(), p);
    int status = pclose(p);
    std::vector<unsigned char> out;
    std::string why;
    if (file_exists(errors)) {
        auto e = read_file(errors);
        why = trim(std::string(e.begin(), e.end()));
    }
    bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && file_exists(picture);
    if (ok) out = read_file(picture);
    std::remove(picture.c_str());
    std::remove(errors.c_str());
    rmdir(dir.c_str());
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
        throw Error("gnuplot not found (Debian: apt-get install gnuplot-nox)");
    if (!ok || out.empty()) {
        auto nl = why.rfind('\n');
        throw Error("gnuplot failed" + (why.empty() ? std::string() : ": " + why.substr(nl == std::string::npos ? 0 : nl + 1)));
    }
    return out;
}

}  // namespace ifgan
