// Data-parallel training over LibTorch's own distributed layer (c10d): a
// TCP store for the rendezvous and the Gloo backend for the collectives, as
// PyTorch's DistributedDataParallel uses them on CPUs. Included by
// lib/nn/*.cpp only.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace ifgan {

struct DistOptions {
    int world = 1, rank = 0;
    std::string host = "127.0.0.1";  // rank 0's address: the store listens there
    int port = 29500;
    double timeout_s = 300;  // a collective waiting longer than this fails
};

// One process's membership of the group. Every call is a collective: all
// ranks make the same calls in the same order. A rank that died or hangs
// makes the others' call fail with an Error naming this rank and what it was
// doing, within the timeout (at once when the dead rank's sockets close).
class DistGroup {
public:
    static std::unique_ptr<DistGroup> connect(const DistOptions& o);
    ~DistGroup();
    int rank() const { return o_.rank; }
    int world() const { return o_.world; }
    // Rank 0's values into every rank's tensors (parameters and buffers).
    void broadcast(const std::vector<torch::Tensor>& tensors);
    // Each parameter's gradient becomes the mean over the ranks: summed in a
    // few flat buckets (Gloo has no mean), then divided. Parameters without
    // a gradient count as zero, on every rank alike.
    void average_gradients(const std::vector<torch::Tensor>& params);
    // The same in two halves: start_average sends the sums on their way (in
    // Gloo's own thread) and finish_average waits and divides, so that work
    // done in between (another network's backward pass) hides the exchange.
    struct Pending;
    std::shared_ptr<Pending> start_average(const std::vector<torch::Tensor>& params);
    void finish_average(const std::shared_ptr<Pending>& pending);
    // The element-wise sum over the ranks of a few numbers.
    std::vector<double> sum(const std::vector<double>& v);
    void barrier();
    // Rank 0 says `key` is done; the others wait for it up to `timeout_s`
    // (at once an Error if rank 0 stops: the store lives in its process).
    void announce(const std::string& key);
    void wait_for(const std::string& key, const std::string& what, double timeout_s);
    // What the gradient averages cost since the last call: calls (finished
    // averages), bytes summed, and seconds this thread spent on them
    // (flattening, waiting, copying back; not the exchange it overlapped).
    struct GradStats {
        int64_t calls = 0, bytes = 0;
        double seconds = 0;
    };
    GradStats take_grad_stats();

private:
    GradStats stats_;
    explicit DistGroup(const DistOptions& o);
    struct Impl;
    DistOptions o_;
    std::unique_ptr<Impl> impl_;
    void run(const char* what, const std::function<void()>& collective);
};

// The tensors of a set of modules a rank must share: parameters and buffers.
std::vector<torch::Tensor> shared_state(const std::vector<std::shared_ptr<torch::nn::Module>>& modules);

}  // namespace ifgan
