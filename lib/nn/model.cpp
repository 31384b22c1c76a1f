// The lean Model interface of model.hpp, over the LibTorch networks.
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <vector>

#include "nn/checkpoint.hpp"
#include "nn/model.hpp"
#include "core/util.hpp"

namespace ifgan {

struct Model::Impl {
    LoadedModel m;
    std::string path, fingerprint, meta;
    EditStyle edit_style;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::string& path, unsigned parts, const std::string& want_kind) {
    auto impl = std::make_unique<Impl>();
    impl->m = load_model(path, parts, want_kind);
    impl->m.archive.reset();  // the optimiser states are not needed to use a model
    impl->path = path;
    impl->fingerprint = impl->m.meta.value("fingerprint", "");
    impl->meta = impl->m.meta.dump();
    Networks& n = impl->m.nets;
    for (auto& mod : n.modules()) {
        to_channels_last(*mod);
        mod->eval();
        // Inference only: parameters need no gradients.
        for (auto& p : mod->parameters()) p.requires_grad_(false);
    }
    return Model(std::move(impl));
}

const ModelConfig& Model::config() const { return impl_->m.nets.config; }
const std::string& Model::fingerprint() const { return impl_->fingerprint; }
const std::string& Model::metadata_json() const { return impl_->meta; }
const std::string& Model::path() const { return impl_->path; }

void EditStyle::check(const std::string& passes_name, const std::string& floor_name) const {
    if (passes < 1) throw UsageError(passes_name + " must be at least 1");
    if (!(floor >= 0 && floor <= kEditFloorMax))
        throw UsageError(floor_name + " must be 0 to " + short_number(kEditFloorMax));
}

void Model::set_edit_style(const EditStyle& style) {
    style.check();
    impl_->edit_style = style;
}
const EditStyle& Model::edit_style() const { return impl_->edit_style; }

void Model::encode(const uint8_t* chw, size_t n, bool sample, uint64_t seed, float* z, float* y) const {
    Networks& nets = impl_->m.nets;
    if (nets.E.is_empty()) throw Error(impl_->path + ": this model has no encoder");
    torch::NoGradGuard ng;
    const ModelConfig& c = config();
    EncoderOut o = nets.E->forward(images_to_tensor(chw, n, c.size));
    torch::Tensor zz = o.mu;
    if (sample) {
        auto gen = at::detail::createCPUGenerator(seed);
        zz = o.mu + (o.logvar * 0.5).exp() * torch::randn(o.mu.sizes(), gen, torch::kFloat32);
    }
    zz = nets.erased(zz).contiguous();
    torch::Tensor p = torch::sigmoid(o.y_logits).contiguous();
    std::copy(zz.data_ptr<float>(), zz.data_ptr<float>() + zz.numel(), z);
    std::copy(p.data_ptr<float>(), p.data_ptr<float>() + p.numel(), y);
}

void Model::decode(const float* z, const float* y, size_t n, float* out) const {
    Networks& nets = impl_->m.nets;
    if (nets.G.is_empty()) throw Error(impl_->path + ": this model has no decoder");
    torch::NoGradGuard ng;
    const ModelConfig& c = config();
    auto zt = torch::from_blob(const_cast<float*>(z), {int64_t(n), c.nz}, torch::kFloat32);
    auto yt = torch::from_blob(const_cast<float*>(y), {int64_t(n), int64_t(c.k())}, torch::kFloat32);
    torch::Tensor img = torch::sigmoid(nets.G->forward(yt, zt)).contiguous();
    std::copy(img.data_ptr<float>(), img.data_ptr<float>() + img.numel(), out);
}

void Model::edit(const uint8_t* chw, const float* z, const float* y_from, const float* y_to, size_t n, float* out,
                 float* rec) const {
    if (!has_skips() && !rec) return decode(z, y_to, n, out);
    if (!has_skips()) {
        // Both in one decoder call: rows 0..n-1 edited, n..2n-1 reconstructed.
        const size_t nz = size_t(config().nz), k = config().k(), pix = 3 * size_t(config().size) * config().size;
        std::vector<float> z2(z, z + n * nz), y2(y_to, y_to + n * k), img(2 * n * pix);
        z2.insert(z2.end(), z, z + n * nz);
        y2.insert(y2.end(), y_from, y_from + n * k);
        decode(z2.data(), y2.data(), 2 * n, img.data());
        std::copy_n(img.begin(), n * pix, out);
        std::copy_n(img.begin() + long(n * pix), n * pix, rec);
        return;
    }
    Networks& nets = impl_->m.nets;
    if (nets.E.is_empty() || nets.G.is_empty()) throw Error(impl_->path + ": editing needs the encoder and the decoder");
    torch::NoGradGuard ng;
    const ModelConfig& c = config();
    const int64_t N = int64_t(n), K = int64_t(c.k());
    EncoderOut e = nets.E->forward(images_to_tensor(chw, n, c.size));
    auto zt = torch::from_blob(const_cast<float*>(z), {N, c.nz}, torch::kFloat32);
    auto from = torch::from_blob(const_cast<float*>(y_from), {N, K}, torch::kFloat32);
    auto to = torch::from_blob(const_cast<float*>(y_to), {N, K}, torch::kFloat32);
    auto write = [](const torch::Tensor& logits, float* dst) {
        torch::Tensor img = torch::sigmoid(logits).contiguous();
        std::copy(img.data_ptr<float>(), img.data_ptr<float>() + img.numel(), dst);
    };
    // The reconstruction, when asked for, drawn once: the floor reads it too.
    const torch::Tensor rec_logits = rec ? edit_logits(nets, e, zt, from, from) : torch::Tensor();
    write(edit_logits(nets, e, zt, from, to, impl_->edit_style, rec_logits), out);
    if (rec) write(rec_logits, rec);
}

void Model::classify(const uint8_t* chw, size_t n, float* probs) const {
    Networks& nets = impl_->m.nets;
    torch::NoGradGuard ng;
    const ModelConfig& c = config();
    torch::Tensor x = images_to_tensor(chw, n, c.size), logits;
    if (c.is_classifier()) {
        logits = nets.C->forward(x);
    } else {
        if (nets.E.is_empty()) throw Error(impl_->path + ": this model has no encoder");
        logits = nets.E->forward(x).y_logits;
    }
    torch::Tensor p = torch::sigmoid(logits).contiguous();
    std::copy(p.data_ptr<float>(), p.data_ptr<float>() + p.numel(), probs);
}

void set_threads(int n) {
    if (n < 1) n = 1;
    torch::set_num_threads(n);
}

void keep_freed_memory() {
    // A training step allocates and frees the same large activations every
    // step. glibc maps blocks above its (adaptive) threshold afresh each time
    // and trims the heap's top, so every step faults in and zeroes them
    // again. Serve blocks up to 32 MiB (the most glibc accepts) from the heap
    // and keep what is freed there.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

std::string blas_library() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        size_t p = line.find('/');
        if (p == std::string::npos) continue;
        std::string path = line.substr(p);
        if (path.find("libblas") != std::string::npos || path.find("openblas") != std::string::npos) return path;
    }
    return "";
}

}  // namespace ifgan
