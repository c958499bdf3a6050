// Stuck sensors: frozen at the rest level, and runs of a coarse sensor's commonest value.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "clean/stuck.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::make;

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
