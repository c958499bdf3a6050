// The rolling window's statistics equal those computed from scratch over the same readings, at
// every step, over long series (the rebasing of its running sums included), and never depend on
// readings that come later.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "learn/features/rolling_window.hpp"

using namespace xinzhi::learn;

namespace {

WindowStats from_scratch(const std::vector<std::pair<std::int64_t, double>>& pts, std::int64_t now, std::int64_t span) {
  std::vector<std::pair<std::int64_t, double>> in;
  for (const auto& p : pts)
    if (p.first > now - span && p.first <= now && !std::isnan(p.second)) in.push_back(p);
  WindowStats s;
  s.count = in.size();
  if (in.empty()) return s;
  double n = static_cast<double>(in.size()), sum = 0, st = 0;
  s.min = s.max = in[0].second;
  for (const auto& [t, v] : in) {
    sum += v;
    st += static_cast<double>(t);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  s.mean = sum / n;
  s.last = in.back().second;
  double ss = 0, stt = 0, stv = 0;
  const double mt = st / n;
  for (const auto& [t, v] : in) {
    ss += (v - s.mean) * (v - s.mean);
    stt += (static_cast<double>(t) - mt) * (static_cast<double>(t) - mt);
    stv += (static_cast<double>(t) - mt) * (v - s.mean);
  }
  s.stddev = in.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;
  s.slope = stt > 0 ? stv / stt : 0;
  return s;
}

}  // namespace

TEST(RollingWindow, MatchesFromScratchOverALongIrregularSeries) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> step(1, 90'000);
  std::normal_distribution<double> noise(0, 2);
  const std::int64_t span = 3'600'000;  // one hour of milliseconds
  RollingWindow w(span);
  std::vector<std::pair<std::int64_t, double>> pts;
  std::int64_t t = 1'700'000'000'000;
  for (int i = 0; i < 20'000; ++i) {  // about 10 days: the sums are rebased many times
    t += step(rng);
    const double v = i % 97 == 0 ? NAN : 50 + 0.001 * i + noise(rng);
    pts.emplace_back(t, v);
    w.push(t, v);
    if (i % 37 != 0) continue;
    const WindowStats a = w.stats(), b = from_scratch(pts, t, span);
    ASSERT_EQ(a.count, b.count) << i;
    EXPECT_NEAR(a.mean, b.mean, 1e-9) << i;
    EXPECT_NEAR(a.stddev, b.stddev, 1e-6) << i;
    EXPECT_EQ(a.min, b.min) << i;
    EXPECT_EQ(a.max, b.max) << i;
    EXPECT_EQ(a.last, b.last) << i;
    EXPECT_NEAR(a.slope, b.slope, 1e-9 + 1e-6 * std::abs(b.slope)) << i;
  }
}

TEST(RollingWindow, CountWindowOverCyclesAndAdvanceWithoutReadings) {
  RollingWindow w(3);  // the last three cycles
  for (int c = 1; c <= 5; ++c) w.push(c, c * 10.0);
  auto s = w.stats();
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 40);
  EXPECT_DOUBLE_EQ(s.min, 30);
  EXPECT_DOUBLE_EQ(s.max, 50);
  EXPECT_DOUBLE_EQ(s.slope, 10);
  w.advance_to(7);
  s = w.stats();
  EXPECT_EQ(s.count, 1u);
  EXPECT_DOUBLE_EQ(s.last, 50);
  EXPECT_DOUBLE_EQ(s.slope, 0);
  EXPECT_THROW(w.push(6, 1), std::exception);
}
