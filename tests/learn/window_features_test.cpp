// The window feature builder is causal (changing readings after t changes no feature at or
// before t), equals a from-scratch computation of every column at every step, names its columns
// as the caller asked, and starts afresh on reset.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "learn/features/window_features.hpp"

using namespace xinzhi::learn;

namespace {

WindowFeatureSpec two_series_spec() {
  WindowFeatureSpec spec;
  spec.series = {"s2", "s7"};
  const std::vector<WindowStat> all = {WindowStat::mean, WindowStat::stddev, WindowStat::min, WindowStat::max,
                                       WindowStat::last, WindowStat::slope, WindowStat::count};
  spec.windows = {{"5", 5, all}, {"30", 30, all}};
  spec.ewmas = {{"10", 10.0}};
  spec.lags = {1, 3};
  spec.baseline_span = 8;
  spec.age = true;
  return spec;
}

struct Reading {
  std::int64_t t;
  double a, b;  // s2, s7 (NaN: none)
};

// Irregular times, a trend, noise and some missing readings.
std::vector<Reading> series(std::uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> step(1, 4);
  std::normal_distribution<double> noise(0, 1);
  std::vector<Reading> out;
  std::int64_t t = 100;
  for (int i = 0; i < n; ++i) {
    t += step(rng);
    const double a = i % 11 == 5 ? NAN : 640 + 0.05 * i + noise(rng);
    const double b = i % 7 == 3 ? NAN : 550 - 0.02 * i + noise(rng);
    out.push_back({t, a, b});
  }
  return out;
}

// Every row of features, one per reading, from the streaming builder.
std::vector<std::vector<float>> stream(const WindowFeatureSpec& spec, const std::vector<Reading>& in) {
  WindowFeatures f(spec);
  std::vector<std::vector<float>> rows;
  for (const auto& r : in) {
    const double v[2] = {r.a, r.b};
    f.push_row(r.t, v);
    std::vector<float> out(f.size());
    f.write(out);
    rows.push_back(out);
  }
  return rows;
}

// The same features recomputed from all readings up to step i, knowing nothing of the builder.
std::vector<float> from_scratch(const WindowFeatureSpec& spec, const std::vector<Reading>& in, std::size_t i) {
  std::vector<float> out;
  const std::int64_t now = in[i].t, start = in[0].t;
  for (int s = 0; s < 2; ++s) {
    auto value = [&](std::size_t j) { return s == 0 ? in[j].a : in[j].b; };
    std::vector<double> base;
    for (std::size_t j = 0; j <= i; ++j)
      if (!std::isnan(value(j)) && in[j].t - start < spec.baseline_span) base.push_back(value(j));
    double base_mean = NAN;
    if (!base.empty()) {
      base_mean = 0;
      for (double v : base) base_mean += v;
      base_mean /= static_cast<double>(base.size());
    }
    std::vector<double> means;
    for (const auto& w : spec.windows) {
      std::vector<std::pair<double, double>> pts;
      for (std::size_t j = 0; j <= i; ++j)
        if (in[j].t > now - w.span && !std::isnan(value(j))) pts.emplace_back(static_cast<double>(in[j].t), value(j));
      const double n = static_cast<double>(pts.size());
      double mean = 0, mt = 0, mn = INFINITY, mx = -INFINITY;
      for (auto [t, v] : pts) {
        mean += v / n;
        mt += t / n;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      double ss = 0, stt = 0, stv = 0;
      for (auto [t, v] : pts) {
        ss += (v - mean) * (v - mean);
        stt += (t - mt) * (t - mt);
        stv += (t - mt) * (v - mean);
      }
      means.push_back(pts.empty() ? NAN : mean);
      for (WindowStat st : w.stats) {
        double v = NAN;
        if (st == WindowStat::count) v = n;
        else if (!pts.empty()) {
          switch (st) {
            case WindowStat::mean: v = mean; break;
            case WindowStat::stddev: v = pts.size() > 1 ? std::sqrt(ss / (n - 1)) : 0; break;
            case WindowStat::min: v = mn; break;
            case WindowStat::max: v = mx; break;
            case WindowStat::last: v = pts.back().second; break;
            case WindowStat::slope: v = stt > 0 ? stv / stt : 0; break;
            default: break;
          }
        }
        out.push_back(static_cast<float>(v));
      }
    }
    for (const auto& e : spec.ewmas) {
      double avg = NAN;
      std::int64_t last_t = 0;
      for (std::size_t j = 0; j <= i; ++j) {
        if (std::isnan(value(j))) continue;
        if (std::isnan(avg)) avg = value(j);
        else {
          const double keep = std::exp(-static_cast<double>(in[j].t - last_t) / e.tau);
          avg = keep * avg + (1 - keep) * value(j);
        }
        last_t = in[j].t;
      }
      out.push_back(static_cast<float>(avg));
    }
    std::vector<double> seen;
    for (std::size_t j = 0; j <= i; ++j)
      if (!std::isnan(value(j))) seen.push_back(value(j));
    for (int lag : spec.lags)
      out.push_back(seen.size() > static_cast<std::size_t>(lag) ? static_cast<float>(seen[seen.size() - 1 - lag]) : NAN);
    out.push_back(static_cast<float>(base_mean));
    for (double m : means) out.push_back(static_cast<float>(m - base_mean));
  }
  out.push_back(static_cast<float>(now - start));
  return out;
}

void expect_same(float a, float b, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_EQ(std::isnan(a), std::isnan(b)) << what << ": " << a << " vs " << b;
    return;
  }
  EXPECT_NEAR(a, b, 1e-4 * std::max(1.0f, std::abs(b))) << what;
}

}  // namespace

TEST(WindowFeatures, NamesEveryColumnAsTheCallerAsked) {
  WindowFeatureSpec spec;
  spec.series = {"s2"};
  spec.windows = {{"10", 10, {WindowStat::mean, WindowStat::slope}}, {"1h", 3'600'000, {WindowStat::max}}};
  spec.ewmas = {{"fast", 3}};
  spec.lags = {1};
  spec.baseline_span = 20;
  spec.age = true;
  const WindowFeatures f(spec);
  const std::vector<std::string> want = {"s2_mean_10", "s2_slope_10", "s2_max_1h", "s2_ewm_fast", "s2_lag_1",
                                         "s2_base",    "s2_drift_10", "s2_drift_1h", "age"};
  EXPECT_EQ(f.names(), want);
}

TEST(WindowFeatures, EqualsAFromScratchComputationAtEveryStep) {
  const auto spec = two_series_spec();
  const auto in = series(3, 200);
  const auto rows = stream(spec, in);
  const WindowFeatures f(spec);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto want = from_scratch(spec, in, i);
    ASSERT_EQ(want.size(), rows[i].size());
    for (std::size_t k = 0; k < want.size(); ++k) expect_same(rows[i][k], want[k], f.names()[k] + " at step " + std::to_string(i));
  }
}

TEST(WindowFeatures, ReadingsAfterTimeTChangeNoFeatureAtOrBeforeT) {
  const auto spec = two_series_spec();
  const auto in = series(5, 150);
  const auto before = stream(spec, in);
  for (std::size_t cut : {0u, 17u, 80u, 148u}) {
    auto changed = in;
    std::mt19937_64 rng(cut);
    std::normal_distribution<double> big(0, 100);
    for (std::size_t j = cut + 1; j < changed.size(); ++j) {
      changed[j].a += big(rng);
      changed[j].b = j % 2 ? NAN : changed[j].b * 3;  // other values and other gaps
    }
    const auto after = stream(spec, changed);
    for (std::size_t i = 0; i <= cut; ++i)
      for (std::size_t k = 0; k < before[i].size(); ++k) {
        if (std::isnan(before[i][k])) {
          EXPECT_TRUE(std::isnan(after[i][k]));
        } else {
          EXPECT_EQ(before[i][k], after[i][k]) << "feature " << k << " at step " << i << ", change after " << cut;
        }
      }
    // And the change is seen after the cut (the test would pass vacuously otherwise).
    if (cut + 1 < in.size()) EXPECT_NE(before[cut + 1], after[cut + 1]);
  }
}

TEST(WindowFeatures, ResetStartsANewEntity) {
  const auto spec = two_series_spec();
  const auto first = series(1, 60), second = series(2, 40);
  WindowFeatures f(spec);
  for (const auto& r : first) {
    const double v[2] = {r.a, r.b};
    f.push_row(r.t, v);
  }
  f.reset();
  std::vector<float> out(f.size());
  for (const auto& r : second) {  // times start over below the first entity's
    const double v[2] = {r.a, r.b};
    f.push_row(r.t, v);
  }
  f.write(out);
  const auto alone = stream(spec, second).back();
  for (std::size_t k = 0; k < out.size(); ++k) expect_same(out[k], alone[k], f.names()[k]);
}

TEST(WindowFeatures, ReadingsOfOneSeriesAtATimeAndEmptyWindows) {
  WindowFeatureSpec spec;
  spec.series = {"temp", "speed"};
  spec.windows = {{"10s", 10'000, {WindowStat::mean, WindowStat::count}}};
  WindowFeatures f(spec);
  f.push(0, 1'000, 20.0);
  f.push(1, 1'500, 1400.0);
  f.push(0, 2'000, 22.0);
  std::vector<float> out(f.size());
  f.write(out);
  EXPECT_FLOAT_EQ(out[0], 21.0f);  // temp_mean_10s
  EXPECT_FLOAT_EQ(out[1], 2.0f);   // temp_count_10s
  EXPECT_FLOAT_EQ(out[2], 1400.0f);
  f.advance_to(11'700);  // the window keeps t > 1700: the first temperature and the speed have left
  f.write(out);
  EXPECT_FLOAT_EQ(out[0], 22.0f);
  EXPECT_FLOAT_EQ(out[1], 1.0f);
  EXPECT_TRUE(std::isnan(out[2]));  // no speed in the window: undefined, not 0
  EXPECT_FLOAT_EQ(out[3], 0.0f);
  f.advance_to(12'000);
  f.write(out);
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  EXPECT_ANY_THROW(f.push(0, 5'000, 1.0));  // time went backwards
}
