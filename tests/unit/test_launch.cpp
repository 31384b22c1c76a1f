#include <catch2/catch.hpp>

#include "core/launch.hpp"

using namespace ifgan;

TEST_CASE("the ranks agree on one real signal") {
    CHECK(agreed_signal({0, 0, 0}, 0) == 0);
    // SIGINT to rank 0 and SIGTERM to rank 1 in one step: rank 2 reports
    // rank 0's, each signalled rank its own; never their mean (8, SIGFPE).
    CHECK(agreed_signal({2, 15, 0}, 2) == 2);
    CHECK(agreed_signal({2, 15, 0}, 0) == 2);
    CHECK(agreed_signal({2, 15, 0}, 1) == 15);
    CHECK(agreed_signal({0, 15, 2}, 0) == 15);
    // Nothing in the sum, nothing to stop for, on every rank alike, even on
    // one whose signal came while the sum was under way (it sends it next
    // step): a rank that stopped on it alone would leave the others waiting
    // in the next step's all-reduce.
    for (int r = 0; r < 3; ++r) CHECK(agreed_signal({0, 0, 0}, r) == 0);
}
