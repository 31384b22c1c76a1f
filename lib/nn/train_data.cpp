#include "nn/train_data.hpp"

#include <map>
#include <numeric>

#include "core/align.hpp"

#include "core/log.hpp"
#include "core/util.hpp"
#include "nn/networks.hpp"

namespace ifgan {

namespace {

// The train images' landmarks in the model's input pixels, from the data
// set's list_landmarks_align_celeba.txt (CelebA ships one, ifgan-synth
// writes one), in the order of train_idx; an image the file does not list
// has none. Nothing without the file.
struct InputLandmarks {
    std::string file;
    std::vector<std::vector<double>> xy;  // per train image: x1 y1 ... x5 y5, or empty
};
InputLandmarks input_landmarks(const TrainData& d, const TrainConfig& c) {
    InputLandmarks out{join_path(c.data, kAlignedLandmarkFile), {}};
    if (!file_exists(out.file)) return out;
    std::map<std::string, Landmarks> all = read_landmark_file(out.file);
    Image first = read_image(d.ds.path(d.train_idx[0]));
    Box b = crop_box(parse_crop(c.crop), first.width, first.height);
    out.xy.resize(d.train_idx.size());
    for (size_t r = 0; r < d.train_idx.size(); ++r) {
        auto it = all.find(d.ds.files[d.train_idx[r]]);
        if (it == all.end()) continue;
        for (size_t p = 0; p < 5; ++p) {
            out.xy[r].push_back((it->second.x[p] - b.x) * c.size / b.w);
            out.xy[r].push_back((it->second.y[p] - b.y) * c.size / b.h);
        }
    }
    return out;
}

// Their mean over the images listed (ModelConfig::frame); empty when none is.
std::vector<double> mean_frame(const InputLandmarks& l) {
    std::vector<double> sum(10, 0);
    size_t n = 0;
    for (const auto& xy : l.xy) {
        if (xy.empty()) continue;
        for (size_t i = 0; i < 10; ++i) sum[i] += xy[i];
        ++n;
    }
    if (n == 0) return {};
    for (double& v : sum) v /= double(n);
    return sum;
}

// Each train image's landmarks less the mean frame (TrainData::marks); an
// Error naming the file and the first image it does not list.
torch::Tensor train_marks(const InputLandmarks& l, const TrainData& d) {
    auto m = torch::zeros({int64_t(l.xy.size()), 10}, torch::kFloat32);
    float* mp = m.data_ptr<float>();
    for (size_t r = 0; r < l.xy.size(); ++r) {
        if (l.xy[r].empty()) throw Error(l.file + ": no landmarks for " + d.ds.files[d.train_idx[r]]);
        for (size_t i = 0; i < 10; ++i) mp[r * 10 + i] = float(l.xy[r][i] - d.frame[i]);
    }
    return m;
}

}  // namespace

TrainData load_train_data(TrainConfig& c, const std::vector<std::string>& attrs, int decode_threads) {
    TrainData d;
    d.ds = load_dataset(c.data, attrs);
    if (d.ds.k() == 0) throw Error(c.data + ": no attributes");
    d.train_idx = d.ds.indices(kTrain);
    d.val_idx = d.ds.indices(kVal);
    if (d.train_idx.empty()) throw Error(c.data + ": the train split is empty");
    if (d.val_idx.empty()) throw Error(c.data + ": the validation split is empty");
    if (size_t(c.batch) > d.train_idx.size())
        throw Error("--batch " + std::to_string(c.batch) + " is larger than the train split (" +
                    std::to_string(d.train_idx.size()) + " images)");
    if (d.val_idx.size() > size_t(c.val_limit)) d.val_idx.resize(size_t(c.val_limit));
    if (c.crop == "auto") {
        // CelebA's aligned 178x218 images get the celeba box; anything else is resized whole.
        Image first = read_image(d.ds.path(d.train_idx[0]));
        c.crop = (d.ds.layout == "celeba" && first.width == 178 && first.height == 218) ? "celeba" : "none";
    }
    CacheOptions co;
    co.size = c.size;
    co.crop = parse_crop(c.crop);
    co.threads = decode_threads > 0 ? decode_threads : c.threads;
    co.persist = !c.no_cache;
    Progress bar("loading images", d.train_idx.size() + d.val_idx.size());
    co.progress = [&](size_t done, size_t) { bar.update(done); };
    d.train = build_cache(d.ds, d.train_idx, co);
    co.progress = [&](size_t done, size_t) { bar.update(d.train_idx.size() + done); };
    d.val = build_cache(d.ds, d.val_idx, co);
    bar.finish();
    const InputLandmarks marks = input_landmarks(d, c);
    d.frame = mean_frame(marks);
    if (c.landmarks > 0) {
        if (marks.xy.empty()) throw Error(c.data + ": --landmarks needs " + kAlignedLandmarkFile);
        d.marks = train_marks(marks, d);
    }
    message("train: " + balance_report(d.ds, d.train_idx));
    message("val:   " + balance_report(d.ds, d.val_idx));
    return d;
}

std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    Rng rng(fnv1a(&epoch, sizeof epoch, seed * 0x9E3779B97F4A7C15ull + 1));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng.next() % i)]);
    return order;
}

bool flipped_in_epoch(uint64_t seed, int64_t epoch, size_t position) {
    uint64_t key[3] = {seed, uint64_t(epoch), uint64_t(position)};
    return Rng(fnv1a(key, sizeof key)).coin();
}

torch::Tensor labels_tensor(const Dataset& ds, const std::vector<size_t>& rows) {
    const size_t k = ds.k();
    auto y = torch::empty({int64_t(rows.size()), int64_t(k)}, torch::kFloat32);
    // Raw pointers: per-element Tensor indexing costs a dispatch each.
    float* yp = y.data_ptr<float>();
    for (size_t i = 0; i < rows.size(); ++i)
        for (size_t a = 0; a < k; ++a) yp[i * k + a] = float(ds.label(rows[i], a));
    return y;
}

torch::Tensor labels_tensor(const Dataset& ds, const std::vector<size_t>& idx, size_t start, size_t n) {
    return labels_tensor(ds, std::vector<size_t>(idx.begin() + long(start), idx.begin() + long(start + n)));
}

Batch make_batch(const TrainData& d, const TrainConfig& c, const std::vector<size_t>& order, int64_t epoch,
                 int64_t b) {
    const int64_t B = c.batch;
    const size_t* pos = order.data() + size_t(b * B);  // into the train split and its cache
    std::vector<size_t> rows(static_cast<size_t>(B));   // into the data set
    for (int64_t i = 0; i < B; ++i) rows[size_t(i)] = d.train_idx[pos[i]];
    auto bytes = torch::empty({B, 3, c.size, c.size}, torch::kUInt8);
    d.train.gather(pos, size_t(B), bytes.data_ptr<uint8_t>());
    Batch out{unit_floats(bytes), labels_tensor(d.ds, rows), {}};
    if (d.marks.defined()) {
        auto idx = torch::empty({B}, torch::kLong);
        int64_t* ip = idx.data_ptr<int64_t>();
        for (int64_t i = 0; i < B; ++i) ip[i] = int64_t(pos[i]);
        out.marks = d.marks.index_select(0, idx);
    }
    if (c.hflip) {
        auto mask = torch::empty({B}, torch::kBool);
        bool* mp = mask.data_ptr<bool>();
        for (int64_t i = 0; i < B; ++i) mp[i] = flipped_in_epoch(c.seed, epoch, size_t(b * B + i));
        out.x = torch::where(mask.view({B, 1, 1, 1}), out.x.flip({3}), out.x);
    }
    return out;
}

}  // namespace ifgan
