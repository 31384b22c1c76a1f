// Training the IFcVAE-GAN (or the independent classifier). Lean header.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ifgan {

struct TrainOptions {
    std::string data, out, log, samples;
    std::vector<std::string> attrs;  // empty: every attribute (classifier) / required (ifgan)
    std::string kind = "ifgan";      // or "classifier"
    bool resume = false;
    int epochs = 10, batch = 64, size = 64, nz = 100, f = 64;
    double lr = 2e-4;
    double alpha = 1, beta = 1, gamma = 1, delta = 1, rho = 1;
    uint64_t seed = 1;
    int threads = 1;
    std::string precision = "fp32";           // or bf16
    std::string optimizer = "rmsprop";        // or adam
    std::string decoder_input = "prediction"; // or label
    std::string head = "detached";            // or attached
    std::string adversary = "paper";          // or confusion, mmd (see StepWeights)
    std::string aux_input = "z";              // or mu (see StepWeights)
    bool aux_standardize = false;             // A reads a batch-standardised code
    int aux_steps = 1;                        // A's updates per step (the paper: 1)
    bool beta_samples = false;                // β also classifies x̃ (see StepWeights)
    std::string crop = "auto";                // auto, celeba, center, none
    bool hflip = false;
    long max_steps = 0;     // stop after this many steps in total (0: no limit)
    int log_every = 50;     // steps between log lines
    int val_limit = 2000;   // validation images per epoch
    bool cache = true;      // persist the preprocessed images next to the data
};

// The named recipes: "paper" (the defaults above) and "fast" (documented in
// ifgan-train(1)). Applies the recipe's values to `o`.
void apply_recipe(const std::string& name, TrainOptions& o);

// Trains; returns the exit status (0, or 130/143 after SIGINT/SIGTERM with
// the checkpoint written). Throws Error on bad data or NaN losses.
int run_training(const TrainOptions& o);

}  // namespace ifgan
