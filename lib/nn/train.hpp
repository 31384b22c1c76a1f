// Training the IFcVAE-GAN (or the independent classifier). A lean header.
#pragma once
#include "nn/train_config.hpp"

namespace ifgan {

// Trains; returns the exit status (0, or 130/143 after SIGINT/SIGTERM with
// the checkpoint written). Throws UsageError for a bad configuration (before
// any work), Error on bad data or a loss that is not finite.
int run_training(TrainConfig c);

}  // namespace ifgan
