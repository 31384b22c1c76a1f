// Precompiled once (build/pch): LibTorch's headers cost ~20 s per file.
#pragma once
#include <torch/torch.h>
