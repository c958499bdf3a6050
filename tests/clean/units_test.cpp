// Unit normalisation: rows and whole series in °F found and converted.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/units.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::make;
using clean_test::NaN;

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
