#include "nn/checkpoint.hpp"

#include <sstream>
#include <zlib.h>

#include "core/util.hpp"

namespace ifgan {

using nlohmann::json;

json config_to_json(const ModelConfig& c) {
    json j = {{"kind", c.kind}, {"size", c.size}, {"nz", c.nz},      {"f", c.f},
              {"detached_head", c.detached_head}, {"crop", c.crop}, {"attributes", c.attrs}};
    if (c.erases()) j["erase"] = c.erase;
    if (c.skips) j["skips"] = c.skips;
    if (c.redraw) j["redraw"] = true;
    if (c.skip_image) j["skip_image"] = true;
    if (c.pixel_conv) j["pixel_conv"] = true;
    if (c.decoder_f) j["decoder_f"] = c.decoder_f;
    if (!c.frame.empty()) j["frame"] = c.frame;
    return j;
}

ModelConfig config_from_json(const json& j, const std::string& file) {
    try {
        ModelConfig c;
        c.kind = j.at("kind").get<std::string>();
        c.size = j.at("size").get<int>();
        c.nz = j.at("nz").get<int>();
        c.f = j.at("f").get<int>();
        c.detached_head = j.at("detached_head").get<bool>();
        c.crop = j.at("crop").get<std::string>();
        c.attrs = j.at("attributes").get<std::vector<std::string>>();
        c.erase = j.value("erase", std::string("none"));
        if (c.erase != "none" && c.erase != "leace") throw Error(file + ": unknown eraser '" + c.erase + "'");
        c.skips = j.value("skips", 0);
        if (c.skips < 0 || c.skips > stack_depth(c.size))
            throw Error(file + ": damaged model metadata: " + std::to_string(c.skips) + " skips at " + std::to_string(c.size) + " px");
        c.redraw = j.value("redraw", false);
        if (c.redraw && !c.skips) throw Error(file + ": damaged model metadata: redraw without skips");
        c.skip_image = j.value("skip_image", false);
        if (c.skip_image && !c.skips) throw Error(file + ": damaged model metadata: skip_image without skips");
        c.pixel_conv = j.value("pixel_conv", false);
        if (c.pixel_conv && c.f < 2) throw Error(file + ": damaged model metadata: pixel_conv with " + std::to_string(c.f) + " filter");
        c.decoder_f = j.value("decoder_f", 0);
        if (c.decoder_f < 0 || c.decoder_f > 4096 || (c.pixel_conv && c.decoder_f == 1))
            throw Error(file + ": damaged model metadata: " + std::to_string(c.decoder_f) + " decoder filters");
        c.frame = j.value("frame", std::vector<double>());
        if (!c.frame.empty() && c.frame.size() != 10) throw Error(file + ": damaged model metadata: a frame of " + std::to_string(c.frame.size()) + " numbers");
        return c;
    } catch (const json::exception& e) {
        throw Error(file + ": damaged model metadata: " + e.what());
    }
}

namespace {

// A tensor's raw bytes, in standard (not channels-last) order.
uint64_t hash_tensor(const torch::Tensor& t, uint64_t h) {
    torch::Tensor c = t.detach().contiguous();
    return fnv1a(c.data_ptr(), size_t(c.numel()) * c.element_size(), h);
}

uint64_t hash_module(const torch::nn::Module& m, uint64_t h) {
    for (const auto& p : m.named_parameters(true)) h = hash_tensor(p.value().to(torch::kFloat32), fnv1a(p.key(), h));
    return h;
}

// Every parameter and buffer, names and raw bytes: what a checksum covers.
uint64_t hash_state(const torch::nn::Module& m) {
    uint64_t h = fnv1a("ifgan-section");
    for (const auto& p : m.named_parameters(true)) h = hash_tensor(p.value(), fnv1a(p.key(), h));
    for (const auto& b : m.named_buffers(true)) h = hash_tensor(b.value(), fnv1a(b.key(), h));
    return h;
}

json section_checksums(const Networks& n) {
    json j = json::object();
    for (const auto& net : n.present()) j[net.name] = hex16(hash_state(*net.module));
    return j;
}

// A flipped bit anywhere in the weights must not pass for the model: each
// section loaded is checked against the checksum written with it. Files
// written before checksums existed are checked by their fingerprint when
// every network it covers was loaded.
void verify_content(const LoadedModel& m, const std::string& path) {
    if (m.meta.contains("checksums")) {
        const json& want = m.meta["checksums"];
        for (const auto& net : m.nets.present())
            if (!want.contains(net.name) || want[net.name] != hex16(hash_state(*net.module)))
                throw Error(path + ": damaged model file (the weights of " + net.name + " do not match their checksum)");
        return;
    }
    const ModelConfig& c = m.nets.config;
    bool covered = c.is_classifier() ? !m.nets.C.is_empty() : (!m.nets.E.is_empty() && !m.nets.G.is_empty());
    if (covered && fingerprint(m.nets, m.meta) != m.meta.value("fingerprint", ""))
        throw Error(path + ": damaged model file (the weights do not match the fingerprint)");
}

}  // namespace

std::string fingerprint(const Networks& n, const json& meta) {
    json m = meta;
    m.erase("fingerprint");
    uint64_t h = fnv1a(m.dump());
    if (!n.E.is_empty()) h = hash_module(*n.E, h);
    if (!n.G.is_empty()) h = hash_module(*n.G, h);
    if (!n.C.is_empty()) h = hash_module(*n.C, h);
    if (!n.R.is_empty()) h = hash_tensor(n.R->proj, hash_tensor(n.R->mean, h));  // what the tools apply to every code
    return hex16(h);
}

std::string save_model(const std::string& path, const Networks& n, json meta, const TrainingState& state) {
    meta["format"] = n.config.decoder_f ? 7 : n.config.pixel_conv ? 6 : n.config.skip_image ? 5 : n.config.redraw ? 4 : n.config.skips ? 3 : n.config.erases() ? 2 : 1;
    meta["config"] = config_to_json(n.config);
    meta["checksums"] = section_checksums(n);
    meta["fingerprint"] = fingerprint(n, meta);
    torch::serialize::OutputArchive ar;
    for (const auto& net : n.present()) {
        torch::serialize::OutputArchive sub;
        net.module->save(sub);
        ar.write(net.file_key, sub);
    }
    for (const auto& o : state.optimizers) {
        torch::serialize::OutputArchive sub;
        o.opt->save(sub);
        ar.write(std::string("opt_") + o.name, sub);
    }
    for (const auto& [key, mod] : state.modules) {
        torch::serialize::OutputArchive sub;
        mod->save(sub);
        ar.write("state_" + key, sub);
    }
    if (state.rng.defined()) ar.write("rng", state.rng);
    ar.write("meta", c10::IValue(meta.dump()));
    std::ostringstream buf;
    ar.save_to(buf);
    write_file_atomic(path, buf.str());
    return meta["fingerprint"].get<std::string>();
}

namespace {

uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }

// Whether raw-deflate data of `csize` bytes inflates to exactly `usize`
// bytes with CRC-32 `crc`.
bool deflated_crc_matches(const uint8_t* data, uint32_t csize, uint32_t usize, uint32_t crc) {
    if (usize > (64u << 20)) return false;  // code and type records are small
    std::vector<uint8_t> out(usize ? usize : 1);
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) return false;
    z.next_in = const_cast<uint8_t*>(data);
    z.avail_in = uInt(csize);
    z.next_out = out.data();
    z.avail_out = uInt(usize);
    const int rc = inflate(&z, Z_FINISH);
    const size_t got = z.total_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END && got == usize && uint32_t(crc32(0, out.data(), uInt(usize))) == crc;
}

// A model file is a zip archive whose entries carry a CRC-32 each. They are
// checked before LibTorch parses anything: its archive and TorchScript type
// parsers can crash on damaged input (found by fuzzing), so damaged bytes
// must never reach them.
void verify_archive(const std::vector<uint8_t>& b, const std::string& path) {
    const Error damaged(path + ": damaged or truncated model file");
    const size_t n = b.size();
    if (n < 22) throw damaged;
    size_t eocd = n - 22;
    const size_t stop = n > 22 + 65535 ? n - 22 - 65535 : 0;
    while (le32(&b[eocd]) != 0x06054b50) {
        if (eocd == stop) throw damaged;
        --eocd;
    }
    const size_t entries = le16(&b[eocd + 10]), dir_size = le32(&b[eocd + 12]), dir_at = le32(&b[eocd + 16]);
    if (dir_at > n || dir_size > n - dir_at) throw damaged;
    size_t at = dir_at;
    for (size_t e = 0; e < entries; ++e) {
        if (at + 46 > n || le32(&b[at]) != 0x02014b50) throw damaged;
        const uint32_t crc = le32(&b[at + 16]), csize = le32(&b[at + 20]), usize = le32(&b[at + 24]);
        const size_t name = le16(&b[at + 28]), extra = le16(&b[at + 30]), comment = le16(&b[at + 32]);
        const size_t local = le32(&b[at + 42]);
        const uint16_t method = le16(&b[at + 10]);
        at += 46 + name + extra + comment;
        if (csize == 0xffffffffu || usize == 0xffffffffu || local == 0xffffffffu) continue;  // zip64: left to LibTorch
        if (local + 30 > n || le32(&b[local]) != 0x04034b50) throw damaged;
        const size_t data = local + 30 + le16(&b[local + 26]) + le16(&b[local + 28]);
        if (data > n || csize > n - data) throw damaged;
        if (method == 0) {  // stored: the tensors
            if (csize != usize || uint32_t(crc32(0, &b[data], uInt(csize))) != crc) throw damaged;
        } else if (method == 8) {  // deflated: small code and type records
            if (!deflated_crc_matches(&b[data], csize, usize, crc)) throw damaged;
        } else {
            throw damaged;
        }
    }
}

using Shapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

Shapes shapes_of(const torch::nn::Module& m) {
    Shapes s;
    for (const auto& p : m.named_parameters(true)) s.emplace_back(p.key(), p.value().sizes().vec());
    for (const auto& b : m.named_buffers(true)) s.emplace_back(b.key(), b.value().sizes().vec());
    return s;
}

std::string shape_text(const std::vector<int64_t>& v) {
    std::string t = "[";
    for (size_t i = 0; i < v.size(); ++i) t += (i ? "x" : "") + std::to_string(v[i]);
    return t + "]";
}

// Module::load replaces each tensor with the file's, whatever its shape: a
// file whose weights were made for another config would load and fail, or
// compute nonsense, at the first forward pass.
void check_shapes(const Shapes& built, const torch::nn::Module& loaded, const std::string& path) {
    const Shapes got = shapes_of(loaded);
    for (size_t i = 0; i < built.size() && i < got.size(); ++i)
        if (got[i].second != built[i].second)
            throw Error(path + ": damaged model file: " + built[i].first + " is " + shape_text(got[i].second) +
                        " where the metadata makes it " + shape_text(built[i].second));
}

}  // namespace

LoadedModel load_model(const std::string& path, unsigned parts, const std::string& want_kind) {
    std::vector<uint8_t> bytes = read_file(path);
    if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K')
        throw Error(path + ": not an ifgan model file");
    verify_archive(bytes, path);
    LoadedModel m;
    m.archive = std::make_shared<torch::serialize::InputArchive>();
    try {
        m.archive->load_from(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        c10::IValue meta;
        m.archive->read("meta", meta);
        m.meta = json::parse(meta.toStringRef());
    } catch (const json::exception&) {
        throw Error(path + ": damaged model metadata");
    } catch (const std::exception&) {
        // c10::Error, and the TorchScript parser's ErrorReport for a damaged
        // type string in the archive (found by fuzzing).
        throw Error(path + ": damaged or truncated model file");
    }
    int format = m.meta.value("format", 0);
    if (format > kModelFormat)
        throw Error(path + ": model format " + std::to_string(format) + " is newer than this ifgan reads (" +
                    std::to_string(kModelFormat) + "); upgrade ifgan");
    if (!m.meta.contains("config")) throw Error(path + ": damaged model metadata (no config)");
    ModelConfig c = config_from_json(m.meta["config"], path);
    if (!want_kind.empty() && c.kind != want_kind)
        throw Error(path + ": is a '" + c.kind + "' model; this needs a '" + want_kind + "' model");
    // A decoder with skips edits from the encoder's features.
    if (c.skips && (parts & kPartDecoder)) parts |= kPartEncoder;
    try {
        m.nets = make_networks(c, parts);
        for (const auto& net : m.nets.present()) {
            const auto built = shapes_of(*net.module);
            torch::serialize::InputArchive sub;
            m.archive->read(net.file_key, sub);
            net.module->load(sub);
            check_shapes(built, *net.module, path);
        }
    } catch (const UsageError& e) {
        throw Error(path + ": damaged model metadata: " + e.what());
    } catch (const Error&) {
        throw;
    } catch (const std::exception&) {
        throw Error(path + ": damaged model file (weights do not match the metadata)");
    }
    verify_content(m, path);
    return m;
}

void load_training_state(LoadedModel& m, TrainingState& state) {
    try {
        for (const auto& o : state.optimizers) {
            torch::serialize::InputArchive sub;
            m.archive->read(std::string("opt_") + o.name, sub);
            o.opt->load(sub);
        }
        for (const auto& [key, mod] : state.modules) {
            torch::serialize::InputArchive sub;
            if (m.archive->try_read("state_" + key, sub)) mod->load(sub);
        }
        m.archive->read("rng", state.rng);
    } catch (const std::exception&) {
        throw Error("the model file holds no training state to resume from (was it trained by ifgan-train?)");
    }
}

}  // namespace ifgan
