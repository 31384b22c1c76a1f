#define USE_C10D_GLOO 1
#include "nn/dist.hpp"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdlib>

#include "core/util.hpp"

namespace ifgan {

namespace {

constexpr int64_t kBucketBytes = 25 << 20;  // as DistributedDataParallel's default bucket_cap_mb

// Which network device Gloo binds: GLOO_SOCKET_IFNAME as in PyTorch, the
// loopback when rank 0 is on this machine's loopback, else the address this
// machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const DistOptions& o) {
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    if (o.host == "127.0.0.1" || o.host == "localhost") return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

// Consecutive runs of tensors whose bytes fit a bucket (a larger tensor is a bucket alone).
template <class F>
void for_each_bucket(const std::vector<torch::Tensor>& ts, F&& fn) {
    size_t start = 0;
    while (start < ts.size()) {
        size_t end = start;
        int64_t bytes = 0;
        while (end < ts.size() && (end == start || bytes + ts[end].nbytes() <= kBucketBytes)) bytes += ts[end++].nbytes();
        fn(std::vector<torch::Tensor>(ts.begin() + long(start), ts.begin() + long(end)));
        start = end;
    }
}

// A bucket's tensors as one flat float32 tensor, in order; and back (copy_
// converts to each tensor's own type and memory layout).
torch::Tensor flatten(const std::vector<torch::Tensor>& bucket) {
    std::vector<torch::Tensor> parts;
    for (const auto& t : bucket) parts.push_back(t.detach().reshape({-1}).to(torch::kFloat32));
    return torch::cat(parts);
}

void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& bucket) {
    int64_t at = 0;
    for (const auto& t : bucket) {
        const int64_t n = t.numel();
        t.copy_(flat.narrow(0, at, n).view(t.sizes()));
        at += n;
    }
}

}  // namespace

struct DistGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

DistGroup::DistGroup(const DistOptions& o) : o_(o), impl_(new Impl) {}
DistGroup::~DistGroup() = default;

std::unique_ptr<DistGroup> DistGroup::connect(const DistOptions& o) {
    std::unique_ptr<DistGroup> g(new DistGroup(o));
    const auto timeout = std::chrono::milliseconds(int64_t(o.timeout_s * 1000));
    const std::string where = o.host + ":" + std::to_string(o.port);
    try {
        c10d::TCPStoreOptions so;
        so.port = uint16_t(o.port);
        so.isServer = o.rank == 0;
        so.numWorkers = size_t(o.world);
        so.timeout = timeout;
        g->impl_->store = c10::make_intrusive<c10d::TCPStore>(o.host, so);
        auto po = c10d::ProcessGroupGloo::Options::create(timeout);
        po->devices.push_back(gloo_device(o));
        po->threads = 1;
        g->impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->impl_->store, o.rank, o.world, po);
    } catch (const std::exception& e) {
        std::string why = e.what();
        why = why.substr(0, why.find('\n'));
        throw Error("rank " + std::to_string(o.rank) + " of " + std::to_string(o.world) + ": cannot join the group at " +
                    where + " within " + std::to_string(int(o.timeout_s)) + " s (" + why + ")");
    }
    return g;
}

void DistGroup::run(const char* what, const std::function<void()>& collective) {
    try {
        collective();
    } catch (const std::exception& e) {
        std::string why = e.what();
        why = why.substr(0, why.find('\n'));
        throw Error("rank " + std::to_string(o_.rank) + ": lost the other ranks during " + what + " (" + why +
                    "): a rank stopped, or none answered within --dist-timeout " + std::to_string(int(o_.timeout_s)) + " s");
    }
}

void DistGroup::broadcast(const std::vector<torch::Tensor>& tensors) {
    torch::NoGradGuard ng;
    for_each_bucket(tensors, [&](const std::vector<torch::Tensor>& bucket) {
        std::vector<torch::Tensor> flat{flatten(bucket)};
        run("the broadcast of rank 0's weights", [&] { impl_->pg->broadcast(flat)->wait(); });
        unflatten(flat[0], bucket);
    });
}

DistGroup::GradStats DistGroup::take_grad_stats() {
    GradStats s = stats_;
    stats_ = GradStats();
    return s;
}

struct DistGroup::Pending {
    std::vector<std::vector<torch::Tensor>> buckets;
    std::vector<torch::Tensor> flats;  // one per bucket, summed in place
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
};

std::shared_ptr<DistGroup::Pending> DistGroup::start_average(const std::vector<torch::Tensor>& params) {
    torch::NoGradGuard ng;
    const auto start = std::chrono::steady_clock::now();
    auto p = std::make_shared<Pending>();
    std::vector<torch::Tensor> grads;  // the same on every rank: the same graph ran
    for (const auto& t : params)
        if (t.grad().defined()) grads.push_back(t.grad());
    for_each_bucket(grads, [&](const std::vector<torch::Tensor>& bucket) {
        std::vector<torch::Tensor> flat{flatten(bucket)};
        run("the gradient all-reduce", [&] { p->works.push_back(impl_->pg->allreduce(flat)); });
        p->buckets.push_back(bucket);
        p->flats.push_back(flat[0]);
        stats_.bytes += flat[0].nbytes();
    });
    stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return p;
}

void DistGroup::finish_average(const std::shared_ptr<Pending>& p) {
    torch::NoGradGuard ng;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < p->works.size(); ++i) {
        run("the gradient all-reduce", [&] { p->works[i]->wait(); });
        unflatten(p->flats[i].div_(double(o_.world)), p->buckets[i]);
    }
    ++stats_.calls;
    stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void DistGroup::average_gradients(const std::vector<torch::Tensor>& params) {
    finish_average(start_average(params));
}

std::vector<double> DistGroup::sum(const std::vector<double>& v) {
    std::vector<torch::Tensor> t{torch::tensor(v, torch::kFloat64)};
    run("the exchange of losses and signals", [&] { impl_->pg->allreduce(t)->wait(); });
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = t[0][long(i)].item<double>();
    return out;
}

void DistGroup::barrier() {
    run("a barrier", [&] { impl_->pg->barrier()->wait(); });
}

void DistGroup::announce(const std::string& key) {
    run("an announcement", [&] { impl_->store->set(key, std::vector<uint8_t>{1}); });
}

void DistGroup::wait_for(const std::string& key, const std::string& what, double timeout_s) {
    try {
        impl_->store->wait({key}, std::chrono::milliseconds(int64_t(timeout_s * 1000)));
    } catch (const std::exception& e) {
        std::string why = e.what();
        why = why.substr(0, why.find('\n'));
        throw Error("rank " + std::to_string(o_.rank) + ": rank 0 did not finish " + what + " within " +
                    std::to_string(int(timeout_s)) + " s (" + why + ")");
    }
}

std::vector<torch::Tensor> shared_state(const std::vector<std::shared_ptr<torch::nn::Module>>& modules) {
    std::vector<torch::Tensor> out;
    for (const auto& m : modules) {
        for (const auto& p : m->parameters(true)) out.push_back(p);
        for (const auto& b : m->buffers(true)) out.push_back(b);
    }
    return out;
}

}  // namespace ifgan
