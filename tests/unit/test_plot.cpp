#include <catch2/catch.hpp>
#include <sstream>

#include "core/plot.hpp"
#include "core/util.hpp"

using namespace ifgan;

namespace {
// Three records as ifgan-train writes them: the start, a step, a validation.
const char* kLog =
    R"({"start":true,"kind":"ifgan","options":{"batch":16,"lr":0.0005},"steps_per_epoch":8})"
    "\n"
    R"({"epoch":1,"images_per_s":187.5,"loss":{"eg":76.8,"rec":33.8,"kl":0.02,"dis":0.0,"aux":0.71},"lr":0.0005,"step":50})"
    "\n"
    R"({"accuracy":{"Smiling":0.625},"aux_accuracy":{"Smiling":0.4375},"epoch":1,"majority":{"Smiling":0.5625},"rec_mse":0.0515,"step":60,"val_images":32,"future_key":{"x":3}})"
    "\n";
}  // namespace

TEST_CASE("A training log becomes series keyed by their dotted names, against the step") {
    std::istringstream in(kLog);
    TrainingLog log = read_training_log(in, "t.jsonl", "t");
    CHECK(log.records == 3);
    REQUIRE(log.series.count("loss.rec"));
    CHECK(log.series["loss.rec"].x == std::vector<double>{50});
    CHECK(log.series["loss.rec"].y == std::vector<double>{33.8});
    CHECK(log.series["accuracy.Smiling"].x == std::vector<double>{60});
    CHECK(log.series["majority.Smiling"].y == std::vector<double>{0.5625});
    CHECK(log.series["rec_mse"].y == std::vector<double>{0.0515});
    CHECK(log.series["images_per_s"].y == std::vector<double>{187.5});
    // The start record's options are not curves; neither are step, epoch, lr.
    CHECK(log.series.count("options.batch") == 0);
    CHECK(log.series.count("lr") == 0);
    CHECK(log.series.count("step") == 0);
}

TEST_CASE("Panels: each known series in its panel, unknown keys and switched-off losses left out") {
    std::istringstream in(kLog);
    std::vector<TrainingLog> logs = {read_training_log(in, "t.jsonl", "t")};
    std::vector<Panel> panels = plot_panels(logs);
    REQUIRE(panels.size() == 6);
    CHECK(panels[0].keys == std::vector<std::string>{"loss.eg", "loss.kl", "loss.rec"});
    CHECK(panels[0].log_y);
    CHECK(panels[1].keys == std::vector<std::string>{"loss.aux"});  // loss.dis is 0 throughout
    CHECK(panels[2].keys == std::vector<std::string>{"accuracy.Smiling"});
    CHECK(panels[3].keys == std::vector<std::string>{"aux_accuracy.Smiling"});
    CHECK(panels[3].reference == std::vector<std::string>{"majority.Smiling"});
    for (const Panel& p : panels)
        for (const std::string& k : p.keys) CHECK(k.find("future_key") == std::string::npos);
    // A classifier's log: only accuracies and throughput.
    std::istringstream c(R"({"accuracy":{"Eyeglasses":0.9},"step":10})" "\n");
    std::vector<TrainingLog> clogs = {read_training_log(c, "c.jsonl", "c")};
    REQUIRE(plot_panels(clogs).size() == 1);
}

TEST_CASE("The gnuplot script holds every point, a legend per series and run, and the output name") {
    std::istringstream a(kLog), b(kLog);
    std::vector<TrainingLog> logs = {read_training_log(a, "a.jsonl", "run-a"), read_training_log(b, "b.jsonl", "run'b")};
    PlotOptions po;
    po.format = PlotFormat::svg;
    std::string s = gnuplot_script(logs, po, "out dir/curves.svg");
    CHECK(s.find("set terminal svg") != std::string::npos);
    CHECK(s.find("set output 'out dir/curves.svg'") != std::string::npos);
    CHECK(s.find("\n50 33.8\n") != std::string::npos);
    CHECK(s.find("\n60 0.0515\n") != std::string::npos);
    CHECK(s.find("title 'run-a: rec'") != std::string::npos);
    CHECK(s.find("title 'run''b: Smiling (majority)'") != std::string::npos);  // quotes doubled
    CHECK(s.find("set multiplot layout 3,2") != std::string::npos);
}

TEST_CASE("A log still being written: an unterminated last line is skipped, a bad line elsewhere names its line") {
    std::string whole = kLog;
    std::istringstream cut(whole.substr(0, whole.size() - 20));  // the validation record half written
    TrainingLog log = read_training_log(cut, "t.jsonl", "t");
    CHECK(log.records == 2);
    CHECK(log.series.count("loss.rec") == 1);
    CHECK(log.series.count("rec_mse") == 0);
    std::istringstream bad(std::string("{\"step\":1}\nnot json\n{\"step\":2}\n"));
    CHECK_THROWS_WITH(read_training_log(bad, "t.jsonl", "t"), Catch::Contains("t.jsonl:2:"));
    std::istringstream empty("");
    std::vector<TrainingLog> none = {read_training_log(empty, "e.jsonl", "e")};
    CHECK_THROWS_WITH(gnuplot_script(none, PlotOptions{}, "x.png"), Catch::Contains("no curves"));
}

TEST_CASE("Picture format from the file name") {
    CHECK(plot_format_for("a/b.PNG") == PlotFormat::png);
    CHECK(plot_format_for("b.svg") == PlotFormat::svg);
    CHECK_THROWS_AS(plot_format_for("b.jpg"), UsageError);
}

TEST_CASE("base64: the RFC 4648 test vectors") {
    auto b = [](const std::string& s) { return base64(s.data(), s.size()); };
    CHECK(b("") == "");
    CHECK(b("f") == "Zg==");
    CHECK(b("fo") == "Zm8=");
    CHECK(b("foo") == "Zm9v");
    CHECK(b("foob") == "Zm9vYg==");
    CHECK(b("fooba") == "Zm9vYmE=");
    CHECK(b("foobar") == "Zm9vYmFy");
    unsigned char bytes[] = {0xff, 0xfe, 0x00};
    CHECK(base64(bytes, 3) == "//4A");
}

TEST_CASE("short_number: the fewest digits that say the number") {
    CHECK(short_number(0.5) == "0.5");
    CHECK(short_number(0.04) == "0.04");
    CHECK(short_number(2) == "2");
    CHECK(short_number(1e-5) == "1e-05");
    CHECK(short_number(-0.25) == "-0.25");
}
