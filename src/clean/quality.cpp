#include "clean/quality.hpp"

#include <algorithm>
#include <cmath>

namespace xinzhi::clean {

namespace {

std::int64_t outliers(const std::vector<double>& v, double k) {
  if (v.empty()) return 0;
  const double mid = median_of(v);
  const double sigma = scaled_mad(v, mid);
  std::int64_t n = 0;
  for (double x : v)
    if (std::abs(x - mid) > k * sigma) ++n;
  return n;
}

std::vector<double> variation(const std::vector<double>& v) {
  std::vector<double> d;
  for (std::size_t i = 1; i < v.size(); ++i) d.push_back(v[i] - v[i - 1]);
  return d;
}

}  // namespace

QualityMetrics quality_metrics(const std::vector<TimestampMs>& ts, const std::vector<double>& values, bool downtime) {
  QualityMetrics q;
  const std::size_t n = ts.size();
  q.count = static_cast<std::int64_t>(n);
  std::vector<double> v(values);
  std::size_t first = n, second = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) {
      ++q.special;
      v[i] = std::nan("");
    } else if (first == n) {
      first = i;
    } else if (second == n) {
      second = i;
    }
  }
  if (n <= 10 || second == n) {  // IoTDB needs more than 10 points and two values
    if (n > 0) q.completeness = 1 - static_cast<double>(q.special) / static_cast<double>(n);
    return q;
  }
  q.computed = true;
  // Linear interpolation of the special values (by time), extrapolating at both ends.
  {
    std::size_t a = first, b = second;
    auto line = [&](std::size_t i) {
      const double dt = static_cast<double>(ts[b] - ts[a]);
      return dt == 0 ? v[a] : v[a] + (v[b] - v[a]) * static_cast<double>(ts[i] - ts[a]) / dt;
    };
    for (std::size_t i = 0; i < b; ++i)
      if (std::isnan(v[i])) v[i] = line(i);
    for (std::size_t i = b + 1; i < n; ++i)
      if (!std::isnan(v[i])) {
        a = b, b = i;
        for (std::size_t j = a + 1; j < b; ++j) v[j] = line(j);
      }
    for (std::size_t i = b + 1; i < n; ++i) v[i] = line(i);
  }
  // Timestamps.
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<double>(ts[i]);
  const double base = median_of(variation(t));
  if (base > 0) {
    constexpr std::size_t kWindow = 10;
    std::vector<double> window;
    std::size_t i = 0;
    for (; i < std::min(n, kWindow); ++i) window.push_back(t[i]);
    while (window.size() > 1) {
      const double times = (window[1] - window[0]) / base;
      if (times <= 0.5) {
        window.erase(window.begin() + 1);
        ++q.redundant;
      } else if (times >= 2.0 && (!downtime || times <= 9.0)) {
        std::int64_t temp = 0;
        const auto expect = static_cast<std::int64_t>(std::llround(times - 1));
        for (std::size_t j = 2; j < window.size(); ++j) {
          const double times2 = (window[j] - window[j - 1]) / base;
          if (times2 >= 2.0) break;
          if (times2 <= 0.5) {
            ++temp;
            window.erase(window.begin() + static_cast<long>(j));
            --j;
            if (temp == expect) break;
          }
        }
        q.late += temp;
        q.missing += expect - temp;
      }
      window.erase(window.begin());
      while (window.size() < kWindow && i < n) window.push_back(t[i++]);
    }
  }
  // Values.
  q.value_outliers = outliers(v, 3);
  q.variation_outliers = outliers(variation(v), 3);
  std::vector<double> speed;
  for (std::size_t k = 1; k < n; ++k)
    if (t[k] != t[k - 1]) speed.push_back((v[k] - v[k - 1]) / (t[k] - t[k - 1]));
  q.speed_outliers = outliers(speed, 3);
  q.acceleration_outliers = outliers(variation(speed), 3);
  const double cnt = static_cast<double>(n);
  q.completeness = 1 - static_cast<double>(q.missing + q.special) / (cnt + static_cast<double>(q.missing));
  q.consistency = 1 - static_cast<double>(q.redundant) / cnt;
  q.timeliness = 1 - static_cast<double>(q.late) / cnt;
  q.validity = 1 - static_cast<double>(q.value_outliers + q.variation_outliers + q.speed_outliers +
                                       q.acceleration_outliers) * 0.25 / cnt;
  return q;
}

std::vector<WindowQuality> windowed_quality(const std::vector<TimestampMs>& ts, const std::vector<double>& v,
                                            std::int64_t window_ms) {
  std::vector<WindowQuality> out;
  std::size_t i = 0;
  while (i < ts.size()) {
    const TimestampMs start = floor_to_multiple(ts[i], window_ms);
    const TimestampMs end = start + window_ms;
    std::size_t j = i;
    while (j < ts.size() && ts[j] < end) ++j;
    if (j - i > 10) {
      std::vector<TimestampMs> wt(ts.begin() + static_cast<long>(i), ts.begin() + static_cast<long>(j));
      std::vector<double> wv(v.begin() + static_cast<long>(i), v.begin() + static_cast<long>(j));
      out.push_back({start, end, quality_metrics(wt, wv)});
    }
    i = j;
  }
  return out;
}

}  // namespace xinzhi::clean
