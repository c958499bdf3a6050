// Platt scaling recovers a known miscalibration, and the Brier score matches hand values.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "learn/evaluate/calibration.hpp"

using namespace xinzhi::learn;

TEST(Calibration, PlattRecoversAKnownDistortion) {
  // Outcomes drawn with P(y = 1) = sigmoid(2 logit(s) - 1.5): the scores are too flat and too high.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.02, 0.98), unit(0, 1);
  std::vector<double> s;
  std::vector<int> y;
  for (int i = 0; i < 40000; ++i) {
    const double score = u(rng);
    const double z = 2 * std::log(score / (1 - score)) - 1.5;
    s.push_back(score);
    y.push_back(unit(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0);
  }
  const PlattScaling p = fit_platt(s, y);
  EXPECT_NEAR(p.a, 2.0, 0.1);
  EXPECT_NEAR(p.b, -1.5, 0.1);
  // Calibrated, the mean probability meets the share of positives.
  double mean = 0, rate = 0;
  for (std::size_t i = 0; i < s.size(); ++i) mean += p(s[i]), rate += y[i];
  EXPECT_NEAR(mean / static_cast<double>(s.size()), rate / static_cast<double>(s.size()), 0.005);
  // And the Brier score falls against the raw scores.
  std::vector<double> calibrated;
  for (double v : s) calibrated.push_back(p(v));
  EXPECT_LT(brier_score(calibrated, y), brier_score(s, y) - 0.01);
}

TEST(Calibration, InflatedScoresOfAWeighedModelComeDown) {
  // A model trained with positives weighed 9x says 0.5 where the truth is 0.1.
  std::vector<double> s(1000, 0.5);
  std::vector<int> y(1000, 0);
  for (int i = 0; i < 100; ++i) y[i * 10] = 1;
  const PlattScaling p = fit_platt(s, y);
  // One score: the fit meets the mean of Platt's smoothed targets, 101/102 and 1/902.
  EXPECT_NEAR(p(0.5), (100 * (101.0 / 102) + 900 * (1.0 / 902)) / 1000, 1e-6);
}

TEST(Calibration, DegenerateSetsStayFinite) {
  // One class only: the identity.
  const PlattScaling one = fit_platt({0.2, 0.7}, {1, 1});
  EXPECT_DOUBLE_EQ(one.a, 1);
  EXPECT_DOUBLE_EQ(one.b, 0);
  EXPECT_NEAR(one(0.7), 0.7, 1e-12);
  // Perfectly separated: finite parameters thanks to the smoothed targets; order kept.
  const PlattScaling sep = fit_platt({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1});
  EXPECT_TRUE(std::isfinite(sep.a));
  EXPECT_TRUE(std::isfinite(sep.b));
  EXPECT_LT(sep(0.2), sep(0.8));
  EXPECT_LT(sep(0.9), 1.0);
  EXPECT_THROW(fit_platt({0.1}, {0, 1}), std::invalid_argument);
}

TEST(Calibration, BrierScoreByHand) {
  EXPECT_DOUBLE_EQ(brier_score({1, 0, 0.5}, {1, 0, 1}), 0.25 / 3);
  EXPECT_DOUBLE_EQ(brier_score({0.1, 0.1}, {1, 0}), (0.81 + 0.01) / 2);
  EXPECT_DOUBLE_EQ(brier_score({}, {}), 0);
}
