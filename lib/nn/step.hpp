// One IFcVAE-GAN training step, split into the forward passes with their
// losses and the routed backward pass, so that tests can check each part.
#pragma once
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "nn/networks.hpp"
#include "nn/train_config.hpp"

namespace ifgan {

class CriticPass;

// What the step computes: the weights of docs/model.md's terms and the
// choices among their forms.
struct StepWeights {
    double alpha = 1, beta = 1, gamma = 1, delta = 1, rho = 1;
    bool label_input = false;  // feed G the true label instead of ŷ
    Adversary adversary = Adversary::paper;
    // A reads z (the paper) or the posterior mean mu: on z, E can also fool A
    // by inflating the posterior noise, which blurs every reconstruction.
    bool aux_on_mu = false;
    // A reads its input standardised per dimension over the batch.
    bool aux_standardize = false;
    // The β term also classifies the samples x̃ = G(y, z_p): with random z_p
    // the decoder can only draw the attribute from y, so it learns to use y.
    bool beta_samples = false;
    // The authors' numerics: every BCE term in PyTorch 0.3's bounded form;
    // A and the γ term on a fresh sample of z.
    BceForm bce = BceForm::logits;
    bool fresh_aux_z = false;
    // With skips: the weight of L_sparse, the L1 size of G's own edit of the
    // edited half; above 0, that edit is drawn with its gradient, so that the
    // β term on the edits trains G(1 − y, z) too.
    double edit_sparsity = 0;
    // The weight of L_feat, x̂'s distance from x in the features of D's
    // layer kFeatureLayer; above 0, D is run and trained even at δ = 0.
    double feature_rec = 0;
    // The weight of L_marks, Σ(L(z, y) − marks)² in input pixels (--landmarks).
    double landmarks = 0;
    // The share of each batch D is run and trained on (--critic-fraction,
    // which validate() allows below 1 only where L_feat alone reads D, δ = 0):
    // D's loss over the first rows of x, x̂ and x̃; L_feat still compares
    // the whole batch.
    double critic_fraction = 1;
};

// The layer of D whose features L_feat compares: the third, as Larsen et
// al. chose (8 × 8 maps at 64 px).
inline constexpr int kFeatureLayer = 3;

// How the step runs, which changes the numbers only by rounding.
struct StepRun {
    bool bf16 = false;  // autocast the forward passes to bfloat16
    // Data parallel: this rank's batch is part `shard` of `shards` equal
    // parts of the global batch. The noise is drawn for the whole global
    // batch and this part taken, so that every rank's generator stays in step
    // and the ranks together draw what one process would.
    int shard = 0, shards = 1;
    // D's pass by hand (nn/critic_pass.hpp): one backward pass through D for
    // both L_gen and D's loss. False: through autograd, twice, as the
    // reference the tests compare it with.
    bool critic_by_hand = true;
};

// The weights and forms of the step that a training configuration sets.
StepWeights step_weights(const TrainConfig& c);
// Its precision (one process: no shards).
StepRun step_run(const TrainConfig& c);

struct StepLosses {
    torch::Tensor rec, kl, cls, cls_rec, aux, gen, dis;
    // With skips: BCE(G(ŷ, z, maps, gates), x), the gates those of flipping
    // every attribute for half the batch and open for the other half.
    torch::Tensor rec_skip;
    // With --edit-sparsity: Σ|σ(G(1 − y, z)) − σ(G(ŷ, z))| ÷ side² over the edited half.
    torch::Tensor sparse;
    // With --feature-rec: Σ(D₃(x̂) − D₃(x))² ÷ (D₃'s side)², D₃(x) without gradient.
    torch::Tensor feat;
    // With --landmarks: Σ(L(z, y) − marks)² over the batch.
    torch::Tensor marks;
    torch::Tensor adv;  // E's γ term (see Adversary)
    torch::Tensor logvar_max;  // the largest |log σ²| of the batch, for the log (no gradient)
    torch::Tensor eg;   // rec + rec_skip + α kl + ρ cls + β cls_rec + γ adv + δ gen + edit_sparsity · sparse + feature_rec · feat
    std::shared_ptr<CriticPass> critic;  // D's pass, when run by hand
    bool eg_reads_critic = true;         // false at δ = 0: E+G's loss reads D through its features alone
};

// Forward passes of docs/model.md's step on (x, y); noise from `gen`.
StepLosses ifgan_forward(Networks& n, const torch::Tensor& x, const torch::Tensor& y, const StepWeights& w,
                         const StepRun& run, at::Generator& gen, const torch::Tensor& marks = {});
// Accumulates into .grad: E and G from `eg`, A from `aux`, D from `dis`,
// and nothing else.
// `after_eg` runs once E's and G's gradients are complete, before A's and D's
// passes (data parallel: their all-reduce starts there).
void ifgan_backward(Networks& n, const StepLosses& l, const std::function<void()>& after_eg = {});

// Autocast to bfloat16 for the forward passes within its scope (bf16 precision).
struct Autocast {
    bool on;
    explicit Autocast(bool enable) : on(enable) {
        if (on) {
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(true);
        }
    }
    ~Autocast() {
        if (on) {
            at::autocast::set_cpu_enabled(false);
            at::autocast::clear_cache();
        }
    }
};

// What the landmark head reads: [z, z·y₁, …, z·y_k, y].
torch::Tensor landmark_input(const torch::Tensor& z, const torch::Tensor& y);
// The landmark head for nz code numbers and k attributes: landmark_input to the ten coordinates.
torch::nn::Linear landmark_head(int64_t nz, int64_t k);

// What A reads: the code (z or mu), standardised over the batch if asked.
torch::Tensor aux_input(const torch::Tensor& code, bool standardize);

std::vector<torch::Tensor> params_of(std::initializer_list<std::shared_ptr<torch::nn::Module>> mods);
// What L_EG trains: E's and G's parameters, and the landmark head's when there is one.
std::vector<torch::Tensor> eg_parameters(const Networks& n);

}  // namespace ifgan
