// Each repair step on hand-made series with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "clean/quality.hpp"
#include "clean/repair.hpp"

using namespace xinzhi::clean;
using xinzhi::estimate_interval;

namespace {
Series make(std::vector<std::int64_t> ts, std::vector<double> v) {
  Series s;
  s.machine = "M1", s.sensor = "temperature";
  for (std::size_t i = 0; i < ts.size(); ++i) s.push(ts[i], v[i], static_cast<std::int64_t>(i + 1));
  return s;
}
const double NaN = std::nan("");
}  // namespace

TEST(Repair, ReorderCountsLateArrivalsAndSortsStably) {
  Series s = make({0, 2000, 1000, 3000, 3000}, {1, 3, 2, 4, 5});
  ActionLog log;
  EXPECT_EQ(reorder(s, log), 1u);
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{0, 1000, 2000, 3000, 3000}));
  EXPECT_EQ(s.rowid, (std::vector<std::int64_t>{1, 3, 2, 4, 5}));  // equal ts keep arrival order
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].rowid, 3);
  EXPECT_FALSE(log[0].dropped);
}

TEST(Repair, DeduplicateExactAndWithinTolerance) {
  Series s = make({0, 0, 1000, 1000, 2000, 2050, 3000}, {1, 1, 2, 9, 3, 3, 4});
  ActionLog log;
  EXPECT_EQ(deduplicate(s, 0, true, log), 2u);  // exact (1,1) and conflicting (2,9): first kept
  EXPECT_EQ(s.value, (std::vector<double>{1, 2, 3, 3, 4}));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[0].dropped && log[1].dropped);
  EXPECT_EQ(log[1].rowid, 4);
  EXPECT_NE(log[1].reason.find("another value"), std::string::npos);
  EXPECT_EQ(deduplicate(s, 100, true, log), 1u);  // 2000 and 2050 with the same value
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{0, 1000, 2000, 3000}));
}

TEST(Repair, IntervalSnapAndSkew) {
  Series s = make({10030, 19980, 30010, 40400, 49990, 50100}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(estimate_interval(s.ts), 10000);  // the median gap (9950 ms) is 10 s with jitter
  EXPECT_EQ(estimate_interval({0, 9994, 19990, 29981}), 10000);
  EXPECT_EQ(estimate_interval({0, 7300, 14600}), 7300);  // no usual period near: two digits
  ActionLog log;
  std::size_t coll = 0;
  EXPECT_EQ(snap_timestamps(s, 10000, log, &coll), 6u - 1u);  // 50100 -> 50000 collides with 49990 -> 50000
  EXPECT_EQ(coll, 1u);
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{10000, 20000, 30000, 40000, 50000}));
  EXPECT_EQ(s.value.back(), 5);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].dropped);
  EXPECT_EQ(log[0].rowid, 6);

  Series k = make({3000, 13000, 23000, 33000}, {1, 2, 3, 4});
  EXPECT_EQ(grid_phase(k.ts, 10000), 3000);
  correct_skew(k, 3000, log);
  EXPECT_EQ(k.ts, (std::vector<std::int64_t>{0, 10000, 20000, 30000}));
  EXPECT_TRUE(k.flags[0] & kSkew);
}

TEST(Repair, FahrenheitRowsAndSeriesAreConverted) {
  SensorRule rule;
  rule.unit = "C";
  std::vector<std::int64_t> ts;
  std::vector<double> v;
  for (int i = 0; i < 60; ++i) ts.push_back(i * 1000), v.push_back(50 + 0.5 * std::sin(i / 5.0));
  v[20] = v[20] * 1.8 + 32;  // one row in °F
  v[21] = v[21] * 1.8 + 32;
  Series s = make(ts, v);
  ActionLog log;
  EXPECT_EQ(normalise_units(s, rule, NaN, log), 2u);
  EXPECT_NEAR(s.value[20], 50 + 0.5 * std::sin(4.0), 1e-9);
  EXPECT_TRUE(s.flags[21] & kUnit);
  // A whole series in °F against the reference of the other machines.
  std::vector<double> f;
  for (int i = 0; i < 60; ++i) f.push_back((50 + 0.5 * std::sin(i / 5.0)) * 1.8 + 32);
  Series sf = make(ts, f);
  EXPECT_EQ(normalise_units(sf, rule, 50.0, log), 60u);
  EXPECT_NEAR(sf.value[0], 50, 1e-9);
  // A sensor without a unit rule is left alone.
  SensorRule none;
  Series sn = make(ts, v);
  EXPECT_EQ(normalise_units(sn, none, NaN, log), 0u);
}

TEST(Repair, RangeStuckHampelRate) {
  SensorRule rule;
  rule.min = 0, rule.max = 100;
  std::vector<std::int64_t> ts;
  std::vector<double> v;
  for (int i = 0; i < 40; ++i) ts.push_back(i * 1000), v.push_back(20 + (i % 3) * 0.1);
  v[5] = 150;   // out of range
  v[10] = 60;   // a spike inside the range
  for (int i = 25; i < 35; ++i) v[static_cast<std::size_t>(i)] = 20.1;  // stuck run of 10
  Series s = make(ts, v);
  ActionLog log;
  EXPECT_EQ(mark_out_of_range(s, rule, log), 1u);
  EXPECT_TRUE(std::isnan(s.value[5]));
  EXPECT_EQ(detect_stuck(s, 8, true, log), 1u);
  EXPECT_EQ(s.value[25], 20.1);
  EXPECT_TRUE(std::isnan(s.value[26]) && std::isnan(s.value[34]));
  EXPECT_EQ(hampel(s, 5, 4.0, log), 1u);
  EXPECT_TRUE(std::isnan(s.value[10]));
  EXPECT_TRUE(s.flags[10] & kSpike);

  Series r = make({0, 1000, 2000, 3000, 4000}, {10, 10.5, 40, 11, 11.5});
  EXPECT_EQ(rate_outliers(r, 5.0, log), 1u);
  EXPECT_TRUE(std::isnan(r.value[2]));
  EXPECT_EQ(r.value[3], 11);  // a step is not a spike
  Series step = make({0, 1000, 2000, 3000}, {10, 10, 40, 40});
  EXPECT_EQ(rate_outliers(step, 5.0, log), 0u);
}

TEST(Repair, GapRowsAndStandardisation) {
  Series s = make({0, 10000, 40000, 50000, 900000}, {1, 2, 5, 6, 7});
  std::size_t added = 0;
  EXPECT_EQ(count_gaps(s.ts, 10000), 2u);
  EXPECT_EQ(insert_gap_rows(s, 10000, 60000, &added), 1u);  // the 850 s gap is over max_gap
  EXPECT_EQ(added, 2u);
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{0, 10000, 20000, 30000, 40000, 50000, 900000}));
  EXPECT_EQ(s.rowid[2], -1);
  EXPECT_TRUE(s.flags[3] & kInserted);

  const std::vector<double> x = {1, 2, 3, NaN, 4};
  const auto z = standardise(x, Standardise::zscore);
  EXPECT_NEAR(z[0], (1 - 2.5) / std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_TRUE(std::isnan(z[3]));
  const auto mm = standardise(x, Standardise::minmax);
  EXPECT_DOUBLE_EQ(mm[0], 0);
  EXPECT_DOUBLE_EQ(mm[4], 1);
  const auto rb = standardise(x, Standardise::robust);
  EXPECT_NEAR(rb[1], (2 - 2.5) / (1.4826 * 1.0), 1e-12);
}

TEST(Quality, IoTDBMetricsOnAKnownSeries) {
  // 1 s readings 0..29 s; 10 s absent (missing), 20 s delayed to 21.2 s (late), an extra reading
  // at 5.2 s (redundant), one NaN value (special).
  std::vector<std::int64_t> ts;
  std::vector<double> v;
  for (int i = 0; i < 30; ++i) {
    if (i == 10) continue;
    if (i == 20) continue;
    ts.push_back(i * 1000);
    v.push_back(i);
    if (i == 5) ts.push_back(5200), v.push_back(5.2);
    if (i == 21) ts.push_back(21200), v.push_back(20);
  }
  v[3] = NaN;
  const QualityMetrics q = quality_metrics(ts, v);
  ASSERT_TRUE(q.computed);
  EXPECT_EQ(q.count, 30);
  EXPECT_EQ(q.special, 1);
  EXPECT_EQ(q.missing, 1);
  EXPECT_EQ(q.late, 1);
  EXPECT_EQ(q.redundant, 1);  // 5.2 s; 21.2 s fills the hole after 19 s, so it is late, not redundant
  EXPECT_DOUBLE_EQ(q.completeness, 1 - 2.0 / 31.0);
  EXPECT_DOUBLE_EQ(q.consistency, 1 - 1.0 / 30.0);
  EXPECT_DOUBLE_EQ(q.timeliness, 1 - 1.0 / 30.0);
  EXPECT_GT(q.validity, 0.5);
  EXPECT_LE(q.validity, 1.0);
  const auto windows = windowed_quality(ts, v, 15000);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].start, 0);
  EXPECT_EQ(windows[1].start, 15000);
}

TEST(Repair, FrozenAtRestIsJudgedByTheSensorsThatFollowTheMachineBest) {
  // 10,000 one-second readings: the machine works and rests in turns of 100. Power and pressure
  // follow it exactly; vibration is wrong one time in 50 (a worn bearing, a slow idle), so it is
  // the least accurate of the three voters.
  const std::size_t n = 10'000;
  Series speed, power, pressure, vibration;
  speed.sensor = "speed", power.sensor = "power", pressure.sensor = "pressure", vibration.sensor = "vibration";
  for (std::size_t i = 0; i < n; ++i) {
    const bool working = (i / 100) % 2 == 0;
    const auto t = static_cast<std::int64_t>(i) * 1000;
    const auto id = static_cast<std::int64_t>(i);
    double sp = working ? 1000 + static_cast<double>(i % 7) : 0, pw = working ? 10 : 0.5, pr = working ? 150 : 100;
    double vb = working == (i % 50 != 0) ? 2.0 : 0.2;
    // Speed frozen at 0 while working: first vibration dissents (the weakest voter), then power;
    // then vibration again but for 20 readings only, as a machine that just stopped looks while
    // its power and pressure fall.
    if (i >= 1000 && i < 1050) sp = 0, vb = 0.2;
    if (i >= 1800 && i < 1820) sp = 0, vb = 0.2;
    // A real stop in the middle of work while power, pressure and vibration still read "working"
    // (they fall slowly): speed did not freeze at 0, it dropped there, so it is not stuck.
    if (i >= 1220 && i < 1260) sp = 0;
    if (i >= 1400 && i < 1450) sp = 0, pw = 0.5, vb = 2.0;
    speed.push(t, sp, id), power.push(t, pw, id), pressure.push(t, pr, id), vibration.push(t, vb, id);
  }
  const auto stretches = stuck_at_rest(speed, {&power, &pressure, &vibration}, 3);
  ASSERT_EQ(stretches.size(), 1u);
  EXPECT_EQ(stretches[0], (std::pair<std::size_t, std::size_t>{1000, 1049}));
  // (The frozen stretches follow a rest block: a sensor freezes at the value it last read.)
  // With two voters both must agree: vibration's dissent now keeps the first stretch too.
  EXPECT_TRUE(stuck_at_rest(speed, {&power, &vibration}, 3).empty());
}

// A press speed read to one stroke scatters around its level (sd about one stroke), so the level's
// own value comes up about a third of the time and an 11-reading run of it happens by chance; the
// same 11 readings at a value the sensor seldom reads, or a much longer run, are a stuck sensor.
TEST(Repair, RunsOfACoarseSensorsCommonestValueAreJudgedByHowOftenItRepeats) {
  std::mt19937 gen(7);
  auto scatter = [&] {  // 68..72 with shares 0.07, 0.24, 0.38, 0.24, 0.07
    const double u = static_cast<double>(gen()) / 4294967296.0;
    return u < 0.07 ? 68.0 : u < 0.31 ? 69.0 : u < 0.69 ? 70.0 : u < 0.93 ? 71.0 : 72.0;
  };
  auto series_with_run = [&](double value, int length) {
    std::vector<std::int64_t> ts;
    std::vector<double> v;
    for (int i = 0; i < 300; ++i) {
      ts.push_back(i * 60000);
      v.push_back(i >= 150 && i < 150 + length ? value : scatter());
    }
    // The run is exactly `length` long: the readings either side differ from it.
    if (v[149] == value) v[149] = value - 1;
    if (v[static_cast<std::size_t>(150 + length)] == value) v[static_cast<std::size_t>(150 + length)] = value + 1;
    Series s = make(ts, v);
    s.sensor = "speed";
    return s;
  };
  ActionLog log;
  Series chance = series_with_run(70, 11);
  EXPECT_EQ(detect_stuck(chance, 8, true, log), 0u) << "11 readings at the level's commonest value";
  Series rare = series_with_run(72, 11);
  EXPECT_EQ(detect_stuck(rare, 8, true, log), 1u) << "11 readings at a value read 7% of the time";
  Series long_run = series_with_run(70, 30);
  EXPECT_EQ(detect_stuck(long_run, 8, true, log), 1u) << "30 readings at the commonest value";
}
