// ifgan-serve: a page on which a person drops a photo and moves a slider per
// attribute, and the JSON API behind it; the model stays loaded and each
// face is encoded once.
#include <cxxopts.hpp>

#include "core/cli.hpp"
#include "face/detect.hpp"
#include "jobs/evaluate.hpp"  // check_judge
#include "nn/model.hpp"
#include "serve/server.hpp"

using namespace ifgan;

static size_t at_least_one(const cxxopts::ParseResult& r, const char* name) {
    long v = r[name].as<long>();
    if (v < 1) throw UsageError(std::string("--") + name + " must be at least 1");
    return size_t(v);
}

static int serve_main(int argc, char** argv) {
    block_stop_signals();
    cxxopts::Options opts("ifgan-serve", "Serve a page and a JSON API for editing the faces of photos.");
    add_model_option(opts);
    const StoreOptions sd;
    const ServeOptions d;
    opts.add_options()("classifier", "an independent classifier that judges each edit", cxxopts::value<std::string>(), "FILE")(
        "listen", "HOST:PORT to listen on (PORT 0: any free one; another host than loopback only when given)",
        cxxopts::value<std::string>()->default_value(d.host + ":" + std::to_string(d.port)), "ADDR")(
        "photos", "photos a client may pick by name (nothing else is read from disk)", cxxopts::value<std::string>(), "DIR")(
        "landmarks", "the faces of the photos in --photos, by file name (CelebA's list_landmarks_celeba.txt "
                     "format), for faces the detector does not find; an upload of the same bytes uses them too",
        cxxopts::value<std::string>(), "FILE")(
        "landmark-model", "dlib's 68-point shape predictor (default: libdlib-data's, or $IFGAN_LANDMARK_MODEL)",
        cxxopts::value<std::string>(), "FILE")(
        "min-score", "the detector's least score for a face",
        cxxopts::value<double>()->default_value("0.5"), "X")(
        "keep", "photos kept in memory (the least recently used is dropped)",
        cxxopts::value<long>()->default_value(std::to_string(sd.keep)), "N")(
        "max-upload", "an upload's largest size in bytes (pixels: $IFGAN_MAX_PIXELS)",
        cxxopts::value<long>()->default_value(std::to_string(sd.max_bytes)), "BYTES")(
        "jobs", "uploads and edits worked on at once", cxxopts::value<long>()->default_value(std::to_string(d.jobs)), "N")(
        "waiting", "requests waiting for a job before the server answers 503 (busy)",
        cxxopts::value<long>()->default_value(std::to_string(d.waiting)), "N")(
        "threads", "LibTorch's threads", cxxopts::value<int>()->default_value(std::to_string(default_threads())), "N");
    add_paste_style_options(opts);
    add_edit_options(opts);
    auto r = parse_options(opts, argc, argv);
    if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
    ServeOptions o;
    parse_listen(r["listen"].as<std::string>(), o.host, o.port);
    if (r.count("photos")) {
        o.photos_dir = r["photos"].as<std::string>();
        if (!is_directory(o.photos_dir)) throw UsageError("--photos " + o.photos_dir + ": not a directory");
    }
    if (r.count("landmarks") && o.photos_dir.empty()) throw UsageError("--landmarks needs --photos DIR (the photos it lists)");
    StoreOptions so;
    so.keep = at_least_one(r, "keep");
    so.max_bytes = at_least_one(r, "max-upload");
    so.style = paste_style_options(r);
    so.min_score = r["min-score"].as<double>();
    o.jobs = int(at_least_one(r, "jobs"));
    o.waiting = int(r["waiting"].as<long>());
    if (o.waiting < 0) throw UsageError("--waiting must not be negative");
    const int threads = r["threads"].as<int>();
    if (threads < 1) throw UsageError("--threads must be at least 1");
    set_threads(threads);

    const EditStyle style = edit_style_options(r);
    Model m = Model::load(model_path(r), kPartAll, "ifgan");
    m.set_edit_style(style);
    std::unique_ptr<Model> judge;
    if (r.count("classifier")) {
        judge.reset(new Model(Model::load(r["classifier"].as<std::string>(), kPartAll, "classifier")));
        check_judge(judge->path(), m.config(), judge->config());
    }
    FaceDetector detector(r.count("landmark-model") ? r["landmark-model"].as<std::string>() : default_landmark_model());
    PhotoStore store(m, judge.get(), &detector, so);
    if (r.count("landmarks")) {
        size_t known = 0;
        const auto marks = read_landmark_file(r["landmarks"].as<std::string>());
        for (const std::string& name : photo_names(o.photos_dir)) {
            auto it = marks.find(name);
            if (it != marks.end()) store.remember_landmarks(join_path(o.photos_dir, name), it->second), ++known;
        }
        message(std::to_string(known) + " photos of " + o.photos_dir + " have their faces from " +
                r["landmarks"].as<std::string>());
    }
    serve(store, o);
    return 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-serve", argc, argv, serve_main); }
