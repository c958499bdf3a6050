// Data-quality metrics of a time series as Apache IoTDB's data-quality library defines them
// (library-udf dquality: Completeness, Consistency, Timeliness, Validity), per series and per
// time window. With the median interval as the base: an interval <= 0.5 base is a redundant
// point, one >= 2 base (and <= 9 base; longer is downtime) stands for round(k-1) missing points,
// of which those found crowded in the next ten points are late rather than missing.
//   completeness = 1 - (missing + special) / (count + missing)   (special: null, NaN, inf)
//   consistency  = 1 - redundant / count
//   timeliness   = 1 - late / count
//   validity     = 1 - (value + variation + speed + acceleration outliers) / (4 count)
// where an outlier lies beyond median +- 3 MAD of the values, their differences, their speeds
// and the speeds' differences (NaN filled by linear interpolation first).
#pragma once

#include <cstdint>
#include <vector>

#include "core/stats.hpp"
#include "core/time.hpp"

namespace xinzhi::clean {

struct QualityMetrics {
  std::int64_t count = 0, missing = 0, special = 0, late = 0, redundant = 0;
  std::int64_t value_outliers = 0, variation_outliers = 0, speed_outliers = 0, acceleration_outliers = 0;
  double completeness = 1, consistency = 1, timeliness = 1, validity = 1;
  bool computed = false;  // false when the series has too few points (IoTDB needs > 10 and 2 values)
};

// ts sorted ascending (ties allowed: they are redundant points); v NaN for a null.
QualityMetrics quality_metrics(const std::vector<TimestampMs>& ts, const std::vector<double>& v,
                               bool downtime = true);

struct WindowQuality {
  TimestampMs start = 0, end = 0;  // [start, end)
  QualityMetrics metrics;
};

// Non-overlapping windows of window_ms aligned to the epoch; windows with 10 points or fewer
// are skipped, as in IoTDB.
std::vector<WindowQuality> windowed_quality(const std::vector<TimestampMs>& ts, const std::vector<double>& v,
                                            std::int64_t window_ms);

}  // namespace xinzhi::clean
