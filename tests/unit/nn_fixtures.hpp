// Small models for the nn tests: 32 px, nz 8, one attribute.
#pragma once
#include "nn/model.hpp"

namespace ifgan::test {

inline ModelConfig small_model(int f, int skips = 0) {
    ModelConfig c;
    c.size = 32;
    c.nz = 8;
    c.f = f;
    c.skips = skips;
    c.attrs = {"A0"};
    return c;
}

}  // namespace ifgan::test
