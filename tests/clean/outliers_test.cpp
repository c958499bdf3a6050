// Range, stuck runs, spikes and rate outliers on one hand-made series, step after step as the
// cleaning runs them.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/outliers.hpp"
#include "clean/stuck.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::make;

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
