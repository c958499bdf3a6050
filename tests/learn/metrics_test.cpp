// The measures against values worked out by hand (and, for average precision, scikit-learn's
// definition: ties of score form one threshold).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "learn/evaluate/metrics.hpp"

using namespace xinzhi::learn;

TEST(Metrics, RmseAndPhm08) {
  EXPECT_DOUBLE_EQ(rmse({1, 2, 3}, {1, 2, 6}), std::sqrt(3.0));
  // d = -13 costs e - 1; d = +10 costs e - 1: late by 10 weighs as early by 13.
  EXPECT_NEAR(phm08_score({87, 110}, {100, 100}), 2 * (std::exp(1.0) - 1), 1e-12);
  EXPECT_DOUBLE_EQ(phm08_score({5}, {5}), 0);
}

TEST(Metrics, PrecisionRecallF1AndAveragePrecision) {
  const std::vector<double> s = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
  const std::vector<int> y = {1, 0, 1, 1, 0, 0};
  const auto c = binary_counts(s, y, 0.65);
  EXPECT_EQ(c.tp, 2u);
  EXPECT_EQ(c.fp, 1u);
  EXPECT_EQ(c.fn, 1u);
  EXPECT_DOUBLE_EQ(c.f1(), 2.0 / 3.0);
  // AP = 1/3*1 + 1/3*(2/3) + 1/3*(3/4)
  EXPECT_NEAR(average_precision(s, y), (1 + 2.0 / 3 + 0.75) / 3, 1e-12);
  EXPECT_DOUBLE_EQ(best_f1_threshold(s, y), 0.6);  // 3 of 3 found with 1 false: F1 0.857
  // Gain: a true flag earns 3, every flag costs 1: flagging down to 0.6 earns 9 - 4 = 5, the most.
  EXPECT_DOUBLE_EQ(best_gain_threshold(s, y, 3, 1), 0.6);
  // Flags dear: only the top score (true) pays, 2 - 1.5; flagging more loses.
  EXPECT_DOUBLE_EQ(best_gain_threshold(s, y, 2, 1.5), s[0]);
  // Flags dearer than any gain: nothing is flagged (the threshold is above every score).
  EXPECT_GT(best_gain_threshold(s, y, 1, 2), *std::max_element(s.begin(), s.end()));
  // Tied scores are one threshold: both rows come in together.
  EXPECT_NEAR(average_precision({0.5, 0.5}, {1, 0}), 0.5, 1e-12);
}
