// The streaming detector (src/learn/anomaly/streaming_detector): scores in [0, 1], a spike and a
// change of pattern scored above normal readings, missing values and gaps, determinism, options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "learn/anomaly/streaming_detector.hpp"

using namespace xinzhi;
using namespace xinzhi::learn;

namespace {

constexpr std::int64_t kStep = 300000;  // 5 minutes

// A daily cycle (288 readings a day) with noise; `anomaly` adds a level shift from `at` on.
std::vector<double> daily(std::size_t n, unsigned seed, std::size_t at = 0, double shift = 0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.5);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = 50 + 10 * std::sin(2 * M_PI * static_cast<double>(i) / 288.0) + noise(rng) + (at && i >= at ? shift : 0.0);
  return v;
}

std::vector<double> run(const std::vector<double>& v, StreamingDetectorOptions o = {}) {
  StreamingDetector d(o);
  std::vector<double> s;
  for (std::size_t i = 0; i < v.size(); ++i) s.push_back(d.update(static_cast<std::int64_t>(i) * kStep, v[i]));
  return s;
}

double max_of(const std::vector<double>& s, std::size_t from, std::size_t to) {
  return *std::max_element(s.begin() + static_cast<long>(from), s.begin() + static_cast<long>(to));
}

}  // namespace

TEST(StreamingDetector, ScoresInRangeAndZeroDuringWarmup) {
  const auto s = run(daily(2000, 1));
  for (double x : s) {
    EXPECT_GE(x, 0.0);
    EXPECT_LE(x, 1.0);
  }
  for (std::size_t i = 0; i < StreamingDetectorOptions{}.warmup; ++i) EXPECT_EQ(s[i], 0.0);
}

TEST(StreamingDetector, SpikeScoresAboveNormalReadings) {
  auto v = daily(3000, 2);
  v[2500] += 40;  // far beyond anything seen
  const auto s = run(v);
  EXPECT_DOUBLE_EQ(s[2500], 1.0);
  EXPECT_LT(max_of(s, 1200, 2490), 0.9) << "normal readings raised alarms";
}

TEST(StreamingDetector, ChangeOfPatternWithinTheSeenRangeIsScored) {
  // The signal goes flat at its mean for a day: every value is within the seen range, so only
  // the predictors (not the new-extreme check) can find it.
  auto v = daily(3000, 3);
  for (std::size_t i = 2300; i < 2588; ++i) v[i] = 50;
  const auto s = run(v);
  EXPECT_GT(max_of(s, 2300, 2400), max_of(s, 1200, 2290) + 0.1);
}

TEST(StreamingDetector, Deterministic) {
  const auto v = daily(1500, 4, 1200, 15);
  EXPECT_EQ(run(v), run(v));
}

TEST(StreamingDetector, MissingValuesAndGaps) {
  auto v = daily(1500, 5);
  StreamingDetector d;
  std::vector<double> s;
  std::int64_t t = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    t += i == 800 ? 100 * kStep : kStep;  // one long gap
    const double x = i % 50 == 7 ? std::numeric_limits<double>::quiet_NaN() : v[i];
    s.push_back(d.update(t, x));
    if (std::isnan(x)) EXPECT_EQ(s.back(), 0.0);
    EXPECT_TRUE(s.back() >= 0.0 && s.back() <= 1.0);
  }
  // Missing values change nothing: the same series without them scores the same elsewhere.
  StreamingDetector e;
  t = 0;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    t += i == 800 ? 100 * kStep : kStep;
    if (i % 50 == 7) continue;
    EXPECT_EQ(e.update(t, v[i]), s[i]) << "row " << i;
    ++compared;
  }
  EXPECT_GT(compared, 1400u);
}

TEST(StreamingDetector, SuppressionAfterAnAlarm) {
  auto v = daily(3000, 6);
  v[2500] += 40;
  v[2510] += 60;  // a second, larger spike shortly after
  StreamingDetectorOptions o;
  EXPECT_DOUBLE_EQ(run(v, o)[2510], 1.0);
  o.rest_readings = 50;
  o.rest_scale = 0.5;
  const auto s = run(v, o);
  EXPECT_DOUBLE_EQ(s[2500], 1.0);
  EXPECT_DOUBLE_EQ(s[2510], 0.5);
}

TEST(StreamingDetector, OptionsFromText) {
  StreamingDetectorOptions o;
  set_detector_option(o, "warmup=200", "test");
  set_detector_option(o, "spatial_tolerance=0.1", "test");
  EXPECT_EQ(o.warmup, 200u);
  EXPECT_DOUBLE_EQ(o.spatial_tolerance, 0.1);
  EXPECT_NE(describe_detector_options(o).find("warmup=200"), std::string::npos);
  for (const char* bad : {"warmup", "nosuch=1", "warmup=abc", "warmup=1.5", "alarm_level=2"}) {
    try {
      set_detector_option(o, bad, "--detector");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input) << bad;
    }
  }
}
