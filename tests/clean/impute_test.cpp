// Imputation methods on series with known answers.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/impute.hpp"

using namespace xinzhi::clean;

namespace {
const double NaN = std::nan("");
std::vector<std::int64_t> minutes(int n) {
  std::vector<std::int64_t> t;
  for (int i = 0; i < n; ++i) t.push_back(i * 60000LL);
  return t;
}
ImputeOptions with(ImputeMethod m, std::int64_t max_gap = 0) {
  ImputeOptions o;
  o.method = m;
  o.max_gap_ms = max_gap;
  return o;
}
}  // namespace

TEST(Impute, PreviousLinearAndTimeLinear) {
  // Uneven times: linear (by position) and time-weighted linear differ.
  const std::vector<std::int64_t> ts = {0, 1000, 4000, 5000};
  std::vector<double> v = {0, NaN, NaN, 50};
  auto p = v;
  EXPECT_EQ(impute_series(ts, p, with(ImputeMethod::previous)), 2u);
  EXPECT_EQ(p, (std::vector<double>{0, 0, 0, 50}));
  auto l = v;
  impute_series(ts, l, with(ImputeMethod::linear));
  EXPECT_NEAR(l[1], 50.0 / 3, 1e-12);
  EXPECT_NEAR(l[2], 100.0 / 3, 1e-12);
  auto t = v;
  std::vector<std::uint8_t> filled;
  impute_series(ts, t, with(ImputeMethod::time_linear), &filled);
  EXPECT_DOUBLE_EQ(t[1], 10);
  EXPECT_DOUBLE_EQ(t[2], 40);
  EXPECT_EQ(filled, (std::vector<std::uint8_t>{0, 1, 1, 0}));
}

TEST(Impute, MaxGapAndEndsStayMissing) {
  const auto ts = minutes(8);
  std::vector<double> v = {NaN, 1, NaN, 3, NaN, NaN, NaN, 7};
  EXPECT_EQ(impute_series(ts, v, with(ImputeMethod::time_linear, 2 * 60000)), 1u);
  EXPECT_TRUE(std::isnan(v[0]));  // leading
  EXPECT_DOUBLE_EQ(v[2], 2);
  EXPECT_TRUE(std::isnan(v[5]));  // the 4-minute gap is over max_gap
}

TEST(Impute, SeasonalFollowsTheDailyShape) {
  // Hourly values of a daily sine plus a slow trend; a 5-hour hole on day 3.
  std::vector<std::int64_t> ts;
  std::vector<double> truth;
  for (int h = 0; h < 24 * 4; ++h) {
    ts.push_back(h * 3600000LL);
    truth.push_back(10 * std::sin(2 * M_PI * h / 24.0) + 0.01 * h);
  }
  auto v = truth;
  for (int h = 50; h < 55; ++h) v[static_cast<std::size_t>(h)] = NaN;
  auto lin = v;
  impute_series(ts, lin, with(ImputeMethod::time_linear));
  ImputeOptions o = with(ImputeMethod::seasonal);
  o.season_ms = 86400000;
  impute_series(ts, v, o);
  double err_seasonal = 0, err_linear = 0;
  for (int h = 50; h < 55; ++h) {
    err_seasonal += std::abs(v[static_cast<std::size_t>(h)] - truth[static_cast<std::size_t>(h)]);
    err_linear += std::abs(lin[static_cast<std::size_t>(h)] - truth[static_cast<std::size_t>(h)]);
  }
  EXPECT_LT(err_seasonal, 1e-9);  // the shape one day earlier plus a linear trend is exact
  EXPECT_GT(err_linear, 1.0);
}

TEST(Impute, CorrelatedUsesTheOtherSensors) {
  // y = 3 x + 1 where x wiggles fast: interpolation misses the wiggle, the regression does not.
  const auto ts = minutes(400);
  std::vector<double> x, y;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    x.push_back(std::sin(static_cast<double>(i) * 1.3) + 0.01 * static_cast<double>(i));
    y.push_back(3 * x.back() + 1);
  }
  std::vector<std::vector<double>> cols = {y, x};
  for (std::size_t i = 10; i < 400; i += 7) cols[0][i] = NaN;
  std::vector<std::vector<std::uint8_t>> filled;
  const std::size_t n = impute_columns(ts, cols, {with(ImputeMethod::correlated), with(ImputeMethod::correlated)}, &filled);
  EXPECT_EQ(n, 56u);
  double worst = 0;
  for (std::size_t i = 10; i < 400; i += 7) {
    worst = std::max(worst, std::abs(cols[0][i] - y[i]));
    EXPECT_TRUE(filled[0][i]);
  }
  EXPECT_LT(worst, 1e-4);  // exact but for the solver's tiny ridge
  // Without correlated partners the method is time-linear interpolation.
  std::vector<std::vector<double>> alone = {{1, NaN, 3}};
  impute_columns(minutes(3), alone, {with(ImputeMethod::correlated)});
  EXPECT_DOUBLE_EQ(alone[0][1], 2);
}

TEST(Impute, MethodNames) {
  ImputeMethod m;
  for (const char* name : {"none", "previous", "linear", "time_linear", "seasonal", "correlated"}) {
    ASSERT_TRUE(parse_impute_method(name, m));
    EXPECT_EQ(to_string(m), name);
  }
  EXPECT_FALSE(parse_impute_method("spline", m));
}
