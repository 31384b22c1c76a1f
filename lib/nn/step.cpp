#include "nn/step.hpp"

#include "nn/critic_pass.hpp"
#include "nn/losses.hpp"
#include "core/util.hpp"

namespace ifgan {

std::vector<torch::Tensor> params_of(std::initializer_list<std::shared_ptr<torch::nn::Module>> mods) {
    std::vector<torch::Tensor> out;
    for (auto& m : mods)
        if (m)
            for (auto& p : m->parameters()) out.push_back(p);
    return out;
}

std::vector<torch::Tensor> eg_parameters(const Networks& n) {
    return params_of({n.E.ptr(), n.G.ptr(), n.L.is_empty() ? nullptr : n.L.ptr()});
}

StepWeights step_weights(const TrainConfig& c) {
    StepWeights w;
    w.alpha = c.alpha;
    w.beta = c.beta;
    w.gamma = c.gamma;
    w.delta = c.delta;
    w.rho = c.rho;
    w.label_input = c.decoder_input == DecoderInput::label;
    w.adversary = c.adversary;
    w.aux_on_mu = c.aux_input == AuxInput::mu;
    w.aux_standardize = c.aux_standardize;
    w.beta_samples = c.beta_samples;
    w.bce = c.bce;
    w.fresh_aux_z = c.aux_z == AuxZ::fresh;
    w.edit_sparsity = c.edit_sparsity;
    w.feature_rec = c.feature_rec;
    w.landmarks = c.landmarks;
    w.critic_fraction = c.critic_fraction;
    return w;
}

StepRun step_run(const TrainConfig& c) {
    StepRun r;
    r.bf16 = c.precision == Precision::bf16;
    return r;
}

// E's γ term. `a_in` is what A read; the closed-form terms read the
// batch-standardised mu, which is `a_in` itself when A reads that too.
static torch::Tensor adversarial_term(const StepWeights& w, const torch::Tensor& mu, const torch::Tensor& a_in,
                                      const torch::Tensor& a_logits, const torch::Tensor& y, const torch::Tensor& aux) {
    auto std_mu = [&] { return w.aux_on_mu && w.aux_standardize ? a_in : aux_input(mu, true); };
    switch (w.adversary) {
        case Adversary::paper: return -aux;
        case Adversary::confusion: return loss::classification(a_logits, torch::full_like(y, 0.5), w.bce);
        case Adversary::linear: return loss::linear_separation(std_mu(), y, 0.1);
    }
    throw Error("unknown adversary");
}

// What the landmark head reads: z, z times each attribute, and y, so that
// a linear map reads the landmarks of each attribute value from z by a map
// of its own (a smile widens the mouth by a factor).
torch::Tensor landmark_input(const torch::Tensor& z, const torch::Tensor& y) {
    std::vector<torch::Tensor> parts = {z};
    for (int64_t a = 0; a < y.size(1); ++a) parts.push_back(z * y.narrow(1, a, 1));
    parts.push_back(y);
    return torch::cat(parts, 1);
}

torch::nn::Linear landmark_head(int64_t nz, int64_t k) { return torch::nn::Linear((k + 1) * nz + k, 10); }

// Standard normal noise of `sizes` for this rank's part of the global batch.
static torch::Tensor shard_noise(at::IntArrayRef sizes, const StepRun& run, at::Generator& gen) {
    if (run.shards == 1) return torch::randn(sizes, gen, torch::kFloat32);
    std::vector<int64_t> all(sizes.begin(), sizes.end());
    all[0] *= run.shards;
    return torch::randn(all, gen, torch::kFloat32).narrow(0, sizes[0] * run.shard, sizes[0]);
}

// The reconstruction through the skips: the gates are those of an edit
// that flips every attribute (from G's image on `dec_y` to its image on
// 1 - y, without skips) for the first half of the batch, open for the
// second, so that G learns both to draw the withheld region from (ŷ, z) in
// the context the maps give and to pass the maps where nothing changes.
// In the same pass, the first half edited: 1 - y through the same gates,
// for the β term, so that G draws the attribute it is given there rather
// than the one the context around the withheld region implies.
//
// With `sparse_edit`, G's own edit of the first half, G(1 − y, z), is drawn
// again with its gradient (z detached: the term shapes the decoder, not the
// code) and its L1 distance from the reconstruction kept: penalised, it
// keeps the change, and so the withheld region, to where the attribute is,
// while the β term on the edits makes G draw the attribute there.
struct SkipPass {
    torch::Tensor rec_logits;     // B reconstructions
    torch::Tensor edits, targets; // the first half edited, and the attributes asked for
    torch::Tensor change;         // with sparse_edit: |σ(G(1 − y, z)) − σ(G(ŷ, z))| of the first half
    torch::Tensor shut0;          // level 0's gates of the half reconstructed through shut gates
};
static SkipPass skip_pass(Networks& n, const EncoderOut& e, const torch::Tensor& z, const torch::Tensor& dec_y,
                          const torch::Tensor& y, const torch::Tensor& xr_logits, bool sparse_edit) {
    torch::Tensor flipped;
    {
        torch::NoGradGuard ng;
        flipped = n.G->forward(1 - y, z.detach()).to(torch::kFloat32);
    }
    std::vector<torch::Tensor> gates =
        skip_gates(torch::sigmoid(xr_logits.detach()), torch::sigmoid(flipped), n.config.skips);
    const int64_t B = z.size(0), edited = (B + 1) / 2;
    for (size_t i = 0; i < gates.size(); ++i) {
        torch::Tensor shut = gates[i].narrow(0, 0, edited).clone();
        gates[i].narrow(0, edited, B - edited).fill_(1);
        gates[i] = torch::cat({gates[i], shut});
    }
    SkipPass p;
    p.shut0 = gates[0].narrow(0, 0, edited);
    p.targets = (1 - y).narrow(0, 0, edited);
    // Where level 0 is withheld, G's own images without maps: the
    // reconstruction (with its gradient) and the flipped one.
    torch::Tensor flipped_half = flipped.narrow(0, 0, edited);
    if (sparse_edit) {
        flipped_half = n.G->forward(p.targets, z.narrow(0, 0, edited).detach()).to(torch::kFloat32);
        p.change = (torch::sigmoid(flipped_half) - torch::sigmoid(xr_logits.narrow(0, 0, edited).detach())).abs();
    }
    Skips s{e.skips, gates, {}, {}, edited};  // the edited half reads the first half's maps
    if (!n.config.redraw) {
        s.plain = torch::cat({xr_logits, flipped_half});
    } else {
        // The encoder's maps of G's own images, for the halves whose gates
        // shut; the open half's are never read (1 − gate is 0 there).
        s.drawn = n.E->maps(torch::sigmoid(torch::cat({xr_logits.narrow(0, 0, edited), flipped_half}).detach()));
        for (auto& d : s.drawn) {
            torch::Tensor open = torch::zeros({B - edited, d.size(1), d.size(2), d.size(3)}, d.options());
            d = torch::cat({d.narrow(0, 0, edited), open, d.narrow(0, edited, edited)});
        }
    }
    torch::Tensor out = n.G->forward(torch::cat({dec_y, p.targets}), torch::cat({z, z.narrow(0, 0, edited)}), s)
                            .to(torch::kFloat32);
    p.rec_logits = out.narrow(0, 0, B);
    p.edits = torch::sigmoid(out.narrow(0, B, edited));
    return p;
}

// Pass 4: D on [x, x̂, x̃] at once (D has no batch statistics, so this
// equals three passes), by hand or through autograd.
struct CriticLogits {
    torch::Tensor real, rec, samp;
    std::shared_ptr<CriticPass> pass;  // when by hand
};
static CriticLogits critic_logits(Networks& n, const torch::Tensor& x, const torch::Tensor& xr, const torch::Tensor& xs,
                                  const StepRun& run) {
    CriticLogits c;
    torch::Tensor d;
    if (run.critic_by_hand) {
        c.pass = std::make_shared<CriticPass>(n.D, x, torch::cat({xr, xs}, 0), run.bf16);
        d = c.pass->logits();
    } else {
        d = n.D->forward(torch::cat({x, xr, xs}, 0)).to(torch::kFloat32);
    }
    const int64_t B = x.size(0);
    c.real = d.slice(0, 0, B);
    c.rec = d.slice(0, B, 2 * B);
    c.samp = d.slice(0, 2 * B, 3 * B);
    return c;
}

// D's features of layer kFeatureLayer, which L_feat compares.
static torch::Tensor critic_features(Networks& n, const torch::Tensor& images) {
    return n.D->convs->features(images, kFeatureLayer).to(torch::kFloat32);
}

// L_feat's term for one set of images: against x's features `real` (the
// first images of x, without gradient), summed over the batch and divided
// by the map's area as L_rec is by the image's. The images' features pass
// their gradient to E and G only (ifgan_backward accumulates L_EG into
// their parameters alone).
static torch::Tensor feature_reconstruction(Networks& n, const torch::Tensor& real, const torch::Tensor& images) {
    torch::Tensor fake = critic_features(n, images);
    return (fake - real.narrow(0, 0, fake.size(0))).pow(2).sum() / double(fake.size(-1) * fake.size(-1));
}

// Pass 5: E's ŷ head on generated images. With the detached head only the
// head learns from them, so the conv stack runs without a graph.
static torch::Tensor head_logits(Networks& n, const torch::Tensor& images) {
    torch::Tensor feats;
    if (n.config.detached_head) {
        torch::NoGradGuard ng;
        feats = n.E->convs->forward(images.detach());
    } else {
        feats = n.E->convs->forward(images);
    }
    return n.E->y_head->forward(feats).to(torch::kFloat32);
}

StepLosses ifgan_forward(Networks& n, const torch::Tensor& x, const torch::Tensor& y, const StepWeights& w,
                         const StepRun& run, at::Generator& gen, const torch::Tensor& marks) {
    if (w.landmarks != 0 && !marks.defined()) throw Error("the landmark term needs each face's landmarks");
    torch::Tensor code_mu;  // mu as A and the closed-form terms see it (erased, with an eraser)
    torch::Tensor marks_pred;  // with --landmarks: L(z, y)
    SkipPass skip;
    torch::Tensor beta_labels;  // what the β term's images should show
    torch::Tensor mu, logvar, y_logits, xr_logits, yrec_logits, a_logits, a_in;
    CriticLogits d;
    torch::Tensor feat;
    {
        Autocast ac(run.bf16);
        // Pass 1, E on x: mu and logvar (z, KL), ŷ (ρ term and the decoder's input).
        EncoderOut e = n.E->forward(x);
        mu = e.mu.to(torch::kFloat32);
        logvar = e.logvar.to(torch::kFloat32);
        y_logits = e.y_logits.to(torch::kFloat32);
        torch::Tensor z = mu + (0.5 * logvar).exp() * shard_noise(mu.sizes(), run, gen);
        // What A reads: this z, or another sample from the same posterior.
        torch::Tensor z_aux = w.fresh_aux_z ? mu + (0.5 * logvar).exp() * shard_noise(mu.sizes(), run, gen) : z;
        // With an eraser (--erase leace) the decoder and A see the code with
        // the attributes linearly erased, by a map refitted to this encoder.
        code_mu = mu;
        if (!n.R.is_empty()) {
            n.R->update(mu, y);
            z_aux = w.fresh_aux_z ? n.R->forward_training(z_aux) : torch::Tensor();
            z = n.R->forward_training(z);
            code_mu = n.R->forward_training(mu);
            if (!z_aux.defined()) z_aux = z;
        }
        torch::Tensor dec_y = w.label_input ? y : torch::sigmoid(y_logits);
        if (w.landmarks != 0) marks_pred = n.L->forward(landmark_input(z, y)).to(torch::kFloat32);
        // Pass 2, G on (ŷ, z): the reconstruction x̂ (L_rec, L_gen, D's loss, β term).
        xr_logits = n.G->forward(dec_y, z).to(torch::kFloat32);
        torch::Tensor xr = torch::sigmoid(xr_logits);
        // With skips, pass 2b: G with the encoder's maps, withheld where
        // flipping the attributes changes G's own image (L_rec_skip).
        if (n.config.skips) skip = skip_pass(n, e, z, dec_y, y, xr_logits, w.edit_sparsity > 0);
        // Pass 3, G on (y, z_p): a sample x̃ for the real labels (L_gen, D's loss).
        torch::Tensor zp = shard_noise(mu.sizes(), run, gen);
        torch::Tensor xs = torch::sigmoid(n.G->forward(y, zp)).to(torch::kFloat32);
        // Pass 4, D on [x, x̂, x̃] at once (D has no batch statistics, so this
        // equals three passes): its outputs serve L_gen (gradients to E and G
        // only) and D's loss (gradients to D only).
        // Without the GAN term (δ = 0) nothing reads D, so it is not run or
        // trained, unless L_feat reads its features; then D, whose logits
        // E and G do not read, may train on part of the batch.
        const int64_t B = x.size(0);
        const int64_t critic_rows = std::max<int64_t>(1, std::llround(w.critic_fraction * double(B)));
        if (w.delta != 0 || w.feature_rec != 0)
            d = critic_logits(n, x.narrow(0, 0, critic_rows), xr.narrow(0, 0, critic_rows),
                              xs.narrow(0, 0, critic_rows), run);
        // Pass 4b, with --feature-rec: D's features of x̂ against x's.
        if (w.feature_rec != 0) {
            torch::Tensor real;
            if (d.pass) {
                real = d.pass->real_features(kFeatureLayer).to(torch::kFloat32);
                if (critic_rows < B) {  // the rest of x, which D's pass did not see
                    torch::NoGradGuard ng;
                    real = torch::cat({real, critic_features(n, x.narrow(0, critic_rows, B - critic_rows))});
                }
            } else {
                torch::NoGradGuard ng;
                real = critic_features(n, x);
            }
            feat = feature_reconstruction(n, real, xr);
            // With redraw, the region the decoder redrew too: x with the
            // reconstruction through the maps where level 0 was withheld,
            // so that the term's gradient reaches those pixels alone.
            if (n.config.redraw) {
                const int64_t h = skip.shut0.size(0);
                torch::Tensor g = skip.shut0.to(torch::kFloat32), xs = x.narrow(0, 0, h);
                feat = feat + feature_reconstruction(n, real, g * xs + (1 - g) * torch::sigmoid(skip.rec_logits.narrow(0, 0, h)));
            }
        }
        // Pass 5, E's ŷ head on x̂ (and x̃ with beta_samples, the edits
        // through the skips with skips) for the β term.
        if (w.beta != 0) {
            std::vector<torch::Tensor> images = {xr}, labels = {y};
            if (w.beta_samples) images.push_back(xs), labels.push_back(y);
            if (skip.edits.defined()) images.push_back(skip.edits), labels.push_back(skip.targets);
            beta_labels = torch::cat(labels, 0);
            yrec_logits = head_logits(n, torch::cat(images, 0));
        }
        // Pass 6, A on z (or mu): serves E's γ term, the one --adversary
        // names (the paper's −BCE(A(z), y) or confusion, through z; the
        // linear term reads mu alone), and A's own loss (A's parameters
        // only, as if z were detached).
        a_in = aux_input(w.aux_on_mu ? code_mu : z_aux, w.aux_standardize);
        a_logits = n.A->forward(a_in).to(torch::kFloat32);
    }
    StepLosses l;
    l.critic = d.pass;
    l.eg_reads_critic = w.delta != 0;
    const loss::Bce f = w.bce;
    l.rec = loss::reconstruction(xr_logits, x, f);
    l.rec_skip = skip.rec_logits.defined() ? loss::reconstruction(skip.rec_logits, x, f) : torch::zeros({});
    l.feat = feat.defined() ? feat : torch::zeros({});
    l.marks = marks_pred.defined() ? (marks_pred - marks).pow(2).sum() : torch::zeros({});
    l.sparse = skip.change.defined() ? skip.change.sum() / double(x.size(-1) * x.size(-1)) : torch::zeros({});
    l.kl = loss::kl(mu, logvar);
    l.logvar_max = logvar.detach().abs().max();
    l.cls = loss::classification(y_logits, y, f);
    l.cls_rec = !yrec_logits.defined() ? torch::zeros({}) : loss::classification(yrec_logits, beta_labels, f);
    l.aux = loss::classification(a_logits, y, f);
    l.gen = d.rec.defined() ? loss::generator(d.rec, d.samp, f) : torch::zeros({});
    l.dis = d.rec.defined() ? loss::discriminator(d.real, d.rec, d.samp, f) : torch::zeros({});
    l.adv = adversarial_term(w, code_mu, a_in, a_logits, y, l.aux);
    if (run.shards > 1) {
        // The batch sums, over this rank's part, scaled to the global batch:
        // the mean over the ranks (of these values and of their gradients)
        // is then the sum over the global batch, and the class terms, batch
        // means, average as they are.
        const double s = double(run.shards);
        l.rec = l.rec * s, l.rec_skip = l.rec_skip * s, l.kl = l.kl * s, l.gen = l.gen * s, l.dis = l.dis * s;
        l.sparse = l.sparse * s, l.feat = l.feat * s, l.marks = l.marks * s;
    }
    l.eg = l.rec + l.rec_skip + w.alpha * l.kl + w.rho * l.cls + w.beta * l.cls_rec + w.gamma * l.adv + w.delta * l.gen +
           w.edit_sparsity * l.sparse + w.feature_rec * l.feat + w.landmarks * l.marks;
    return l;
}

void ifgan_backward(Networks& n, const StepLosses& l, const std::function<void()>& after_eg) {
    // backward(inputs=...) accumulates only into the listed parameters: D's
    // weights get nothing from L_gen, A's nothing from −γ·aux, E and G
    // nothing from D's or A's own losses.
    const auto eg_params = eg_parameters(n);
    if (l.critic && l.eg_reads_critic) {
        // D's pass by hand: the gradients of both losses at D's logits, one
        // pass back through D, and E+G's share entering at x̂ and x̃.
        const torch::Tensor& d = l.critic->logits();
        torch::Tensor eg_grad = torch::autograd::grad({l.eg}, {d}, {}, true)[0];
        torch::Tensor dis_grad = torch::autograd::grad({l.dis}, {d}, {}, true)[0];
        torch::Tensor fake_grad = l.critic->backward(eg_grad, dis_grad);
        torch::autograd::backward({l.eg, l.critic->fakes()}, {torch::ones({}), fake_grad}, true, false, eg_params);
    } else {
        // At δ = 0 D serves E+G through its features alone: its chain runs
        // for its own weight gradients only.
        if (l.critic) l.critic->backward({}, torch::autograd::grad({l.dis}, {l.critic->logits()}, {}, true)[0]);
        torch::autograd::backward({l.eg}, {}, true, false, eg_params);
    }
    if (after_eg) after_eg();
    torch::autograd::backward({l.aux}, {}, true, false, params_of({n.A.ptr()}));
    if (l.critic)
        l.critic->accumulate_weight_gradients();
    else if (l.dis.requires_grad())
        torch::autograd::backward({l.dis}, {}, false, false, params_of({n.D.ptr()}));
}

torch::Tensor aux_input(const torch::Tensor& code, bool standardize) {
    if (!standardize) return code;
    // Per-dimension batch standardisation, as the evaluation's probe does:
    // otherwise E can hide y in a direction of tiny scale, which A's
    // weights would have to grow by orders of magnitude to read.
    // The same ε as the probe's: 1/sqrt(var + 1e-8).
    return (code - code.mean(0, true)) * (code.var(0, false, true) + 1e-8).rsqrt();
}

}  // namespace ifgan
