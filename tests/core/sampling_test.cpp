// The nominal sampling interval of jittered timestamps.
#include <gtest/gtest.h>

#include "core/sampling.hpp"

using xinzhi::estimate_interval;

TEST(Sampling, EstimateIntervalRoundsToAUsualPeriod) {
  EXPECT_EQ(estimate_interval({10030, 19980, 30010, 40400, 49990, 50100}), 10000);  // the median gap (9950 ms) is 10 s with jitter
  EXPECT_EQ(estimate_interval({0, 9994, 19990, 29981}), 10000);
  EXPECT_EQ(estimate_interval({0, 7300, 14600}), 7300);  // no usual period near: two digits
}
