// Precompiled once (build/pch): LibTorch's headers cost ~20 s per file.
#include <torch/torch.h>
