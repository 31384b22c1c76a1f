// ifgan-align: faces in photos of any size, warped onto CelebA's aligned
// frame by the similarity that takes their five landmarks there. Writes the
// aligned crops and one JSON record per face (the geometry ifgan-encode and
// ifgan-decode --paste use). No LibTorch.
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "core/align.hpp"
#include "core/cli.hpp"
#include "core/util.hpp"

using namespace ifgan;
using ojson = nlohmann::ordered_json;

// One face's record (docs/formats.md, "Align records"); writes its crop.
static ojson align_record(const std::string& photo_path, const Image& photo, const Landmarks& l, const std::string& crop_path) {
    AlignedFace f = align_face(photo, l);
    write_png(crop_path, f.crop, false);
    ojson marks = ojson::array();
    for (size_t i = 0; i < 5; ++i) marks.push_back({l.x[i], l.y[i]});
    std::array<double, 6> t = to_array(f.to_aligned);
    return {{"id", crop_path}, {"source", photo_path}, {"box", {f.box.x, f.box.y, f.box.w, f.box.h}}, {"landmarks", marks},
            {"transform", std::vector<double>(t.begin(), t.end())}};
}

static int align_main(int argc, char** argv) {
    cxxopts::Options opts("ifgan-align", "Align the faces of photos onto CelebA's frame; JSON records on stdout.");
    opts.positional_help("PHOTO...");
    opts.add_options()("landmarks", "take the landmarks from FILE (CelebA's list_landmarks_celeba.txt format)",
                       cxxopts::value<std::string>())(
        "out", "directory for the aligned crops (178x218 PNG)", cxxopts::value<std::string>()->default_value("aligned"))(
        "photos", "", cxxopts::value<std::vector<std::string>>());
    opts.parse_positional({"photos"});
    auto r = parse_options(opts, argc, argv);
    std::vector<std::string> photos = input_list(positional(r, "photos"));
    if (photos.empty()) throw UsageError("no photos given");
    if (!r.count("landmarks"))
        throw UsageError("--landmarks FILE is required (this build has no face detector)");
    std::map<std::string, Landmarks> marks = read_landmark_file(r["landmarks"].as<std::string>());
    std::string out = r["out"].as<std::string>();
    make_dirs(out);
    int missed = 0;
    for (const std::string& p : photos) {
        auto it = marks.find(basename(p));
        if (it == marks.end()) {
            ojson e = {{"source", p}, {"error", "no landmarks for " + basename(p) + " in " + r["landmarks"].as<std::string>()}};
            write_stdout(e.dump() + "\n");
            message(p + ": no face (" + e["error"].get<std::string>() + ")");
            ++missed;
            continue;
        }
        Image photo = read_image(p);
        write_stdout(align_record(p, photo, it->second, join_path(out, stem(p) + ".png")).dump() + "\n");
    }
    return missed ? 1 : 0;
}

int main(int argc, char** argv) { return run_tool("ifgan-align", argc, argv, align_main); }
