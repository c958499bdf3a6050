#include "core/sampling.hpp"

#include <algorithm>
#include <cmath>

#include "core/stats.hpp"

namespace xinzhi {

std::int64_t estimate_interval(const std::vector<TimestampMs>& ts) {
  std::vector<double> d;
  for (std::size_t i = 1; i < ts.size(); ++i)
    if (ts[i] > ts[i - 1]) d.push_back(static_cast<double>(ts[i] - ts[i - 1]));
  if (d.empty()) return 0;
  const double median = median_of(std::move(d));
  // Jitter moves the median a little off the period the device was set to (9994 ms for a 10 s
  // sensor), and a grid that is off drifts through the series. Periods are round numbers: take
  // the nearest usual one within 5%, or else the median to two significant digits.
  static constexpr double kUsual[] = {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 3000, 5000, 10000, 15000,
                                      20000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000,
                                      21600000, 43200000, 86400000};
  double best = 0;
  for (double u : kUsual)
    if (std::abs(u - median) <= 0.05 * u && (best == 0 || std::abs(u - median) < std::abs(best - median))) best = u;
  if (best == 0) {
    const double scale = std::pow(10.0, std::floor(std::log10(median)) - 1);
    best = std::max(1.0, std::round(median / scale) * scale);
  }
  return static_cast<std::int64_t>(best);
}

}  // namespace xinzhi
