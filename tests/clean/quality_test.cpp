// IoTDB data-quality metrics on a series with known defects.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/quality.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::NaN;

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
