// ifgan-align: faces in photos of any size, warped onto CelebA's aligned
// frame by the similarity that takes their five landmarks there. Writes the
// aligned crops and one JSON record per face (the geometry ifgan-encode and
// ifgan-decode --paste use). No LibTorch.
#include <cmath>
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "core/align.hpp"
#include "core/cli.hpp"
#include "core/util.hpp"
#include "face/detect.hpp"

using namespace ifgan;
using ojson = nlohmann::ordered_json;

// One face's record (docs/formats.md, "Align records"); writes its crop.
static ojson align_record(const std::string& photo_path, const Image& photo, const Landmarks& l,
                          const std::string& crop_path) {
    AlignedFace f = align_face(photo, l);
    write_png(crop_path, f.crop, false);
    ojson marks = ojson::array();
    for (size_t i = 0; i < 5; ++i) marks.push_back({l.x[i], l.y[i]});
    std::array<double, 6> t = to_array(f.to_aligned);
    return {{"id", crop_path}, {"source", photo_path}, {"box", {f.box.x, f.box.y, f.box.w, f.box.h}}, {"landmarks", marks},
            {"transform", std::vector<double>(t.begin(), t.end())}};
}

static ojson error_record(const std::string& photo, const std::string& why) {
    return {{"source", photo}, {"error", why}};
}

// The faces of one photo as records: by the landmark file, or detected.
struct AlignSettings {
    std::map<std::string, Landmarks> marks;  // when from a landmark file
    std::string marks_path, out;
    std::unique_ptr<FaceDetector> detector;  // otherwise
    double min_score = FaceDetector::kMinScore;
    bool all = false;
};

static std::vector<ojson> align_photo(const std::string& p, const AlignSettings& s) {
    if (!s.detector) {  // checked before reading the photo: a missing entry is not a read error
        auto it = s.marks.find(basename(p));
        if (it == s.marks.end()) return {error_record(p, "no landmarks for " + basename(p) + " in " + s.marks_path)};
        return {align_record(p, read_image(p), it->second, join_path(s.out, stem(p) + ".png"))};
    }
    Image photo = read_image(p);
    std::vector<DetectedFace> faces = s.detector->detect(photo, s.min_score);
    if (faces.empty()) return {error_record(p, "the detector found none")};
    std::vector<ojson> recs;
    for (size_t k = 0; k < (s.all ? faces.size() : 1); ++k) {
        std::string name = stem(p) + (k ? "-" + std::to_string(k + 1) : "") + ".png";
        ojson r = align_record(p, photo, faces[k].marks, join_path(s.out, name));
        r["score"] = std::round(faces[k].score * 1000) / 1000;
        recs.push_back(std::move(r));
    }
    return recs;
}

static int align_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-align", "Align the faces of photos onto CelebA's frame; JSON records on stdout.");
    opts.positional_help("PHOTO...");
    opts.add_options()("landmarks", "take the landmarks from FILE (CelebA's list_landmarks_celeba.txt format) "
                                    "instead of detecting them",
                       cxxopts::value<std::string>())("all", "every face found, not only the largest")(
        "landmark-model", "dlib's 68-point shape predictor (default: libdlib-data's, or $IFGAN_LANDMARK_MODEL)",
        cxxopts::value<std::string>())(
        "min-score", "the detector's least score for a face",
        cxxopts::value<double>()->default_value("0.5"))(
        "out", "directory for the aligned crops (178x218 PNG)", cxxopts::value<std::string>()->default_value("aligned"))(
        "threads", "photos aligned at once", cxxopts::value<int>()->default_value(std::to_string(default_threads())))(
        "photos", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"photos"});
    auto r = parse_options(opts, argc, argv);
    std::vector<std::string> photos = input_list(positional(r, "photos"));
    if (photos.empty()) throw UsageError("no photos given");
    if (r.count("landmarks") && (r.count("all") || r.count("landmark-model") || r.count("min-score")))
        throw UsageError("--landmarks takes one face per photo from the file: no --all, --min-score or --landmark-model");
    AlignSettings s;
    s.out = r["out"].as<std::string>();
    s.all = r.count("all") > 0;
    s.min_score = r["min-score"].as<double>();
    if (!std::isfinite(s.min_score)) throw UsageError("--min-score must be a number");
    if (r.count("landmarks"))
        s.marks = read_landmark_file(s.marks_path = r["landmarks"].as<std::string>());
    else
        s.detector.reset(new FaceDetector(r.count("landmark-model") ? r["landmark-model"].as<std::string>()
                                                                    : default_landmark_model()));
    make_dirs(s.out);
    const int threads = r["threads"].as<int>();
    if (threads < 1) throw UsageError("--threads must be at least 1");
    // Photos in parallel, a chunk at a time; records in the photos' order,
    // and those before an unreadable photo written before its error.
    int missed = 0;
    for_each_batch(photos.size(), size_t(8 * threads), [&](size_t first, size_t n) {
        std::vector<std::vector<ojson>> recs(n);
        std::vector<std::exception_ptr> errors(n);
        parallel_for(n, threads, [&](size_t i) {
            try {
                recs[i] = align_photo(photos[first + i], s);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        });
        for (size_t i = 0; i < n; ++i) {
            if (errors[i]) std::rethrow_exception(errors[i]);
            for (const ojson& rec : recs[i]) {
                if (rec.contains("error")) {
                    message(rec["source"].get<std::string>() + ": no face (" + rec["error"].get<std::string>() + ")");
                    ++missed;
                }
                write_stdout(rec.dump() + "\n");
            }
        }
    });
    return missed ? 1 : 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-align", argc, argv, align_main); }
