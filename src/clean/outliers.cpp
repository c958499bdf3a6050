#include "clean/outliers.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/stats.hpp"

namespace xinzhi::clean {

std::size_t mark_out_of_range(Series& s, const SensorRule& rule, ActionLog& log) {
  if (!rule.min && !rule.max) return 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double v = s.value[i];
    if (std::isnan(v)) continue;
    if ((rule.min && v < *rule.min) || (rule.max && v > *rule.max)) {
      log.push_back(row_action(s, i, "range", fmt::format("{} outside [{}, {}]", v, rule.min.value_or(-INFINITY),
                                                          rule.max.value_or(INFINITY))));
      s.value[i] = kNaN;
      s.flags[i] |= kOutOfRange;
      ++n;
    }
  }
  return n;
}

std::size_t hampel(Series& s, int half_window, double threshold, ActionLog& log) {
  if (half_window <= 0) return 0;
  // The valid values in order; neighbours are the nearest valid ones (a missing value must not
  // tilt a window towards one side of a step).
  std::vector<std::size_t> idx;
  idx.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!std::isnan(s.value[i])) idx.push_back(i);
  const std::size_t n = idx.size();
  if (n < 3) return 0;
  auto x = [&](std::size_t k) { return s.value[idx[k]]; };
  // Local noise from first differences: a step adds one large difference and moves their
  // median little, and the scale follows the level (noise that grows with the signal, as a
  // vibration's does). The median |difference| of the 10 pairs before the point and of the 10
  // after (pairs that touch the point left out), the larger of the two: next to a machine
  // starting, the noise of the running side counts. The resolution (smallest step between
  // values) is the floor: quantised flat data (a slow machine at 3 strokes a minute) has a
  // median difference of 0.
  constexpr std::size_t kPairs = 10;
  std::vector<double> d(n - 1);
  double resolution = INFINITY;
  for (std::size_t k = 1; k < n; ++k) {
    d[k - 1] = std::abs(x(k) - x(k - 1));
    if (d[k - 1] > 0) resolution = std::min(resolution, d[k - 1]);
  }
  if (!std::isfinite(resolution)) return 0;  // a constant series has no spikes
  resolution = std::max(resolution, 1e-9);
  std::vector<double> buf;
  auto side_median = [&](std::size_t from, std::size_t to) {  // d[from, to)
    if (to <= from || to - from < 3) return -1.0;
    buf.assign(d.begin() + static_cast<std::ptrdiff_t>(from), d.begin() + static_cast<std::ptrdiff_t>(to));
    auto mid = buf.begin() + static_cast<std::ptrdiff_t>(buf.size() / 2);
    std::nth_element(buf.begin(), mid, buf.end());
    return *mid;
  };
  auto noise_at = [&](std::size_t k) {
    // Pairs (j, j+1) wholly before k: j + 1 <= k - 1; wholly after: j >= k + 1.
    const double before = k >= 2 ? side_median(k >= kPairs + 1 ? k - 1 - kPairs : 0, k - 1) : -1.0;
    const double after = k + 1 < d.size() ? side_median(k + 1, std::min(d.size(), k + 1 + kPairs)) : -1.0;
    // The median |difference| of Gaussian noise is 0.954 sigma (differences have sd sqrt(2) sigma).
    return std::max(std::max(before, after) / 0.954, resolution);
  };

  // The series' usual range: its 0.5% and 99.5% quantiles (spikes, a few per thousand, lie outside).
  double usual_lo, usual_hi;
  {
    std::vector<double> all(n);
    for (std::size_t k = 0; k < n; ++k) all[k] = x(k);
    const std::size_t lo = n / 200, hi = n - 1 - n / 200;
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(lo), all.end());
    usual_lo = all[lo];
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(hi), all.end());
    usual_hi = all[hi];
  }
  const std::size_t w = static_cast<std::size_t>(half_window);
  std::vector<std::uint8_t> flag(n, 0);
  std::vector<double> med_before(n, kNaN), med_after(n, kNaN), scale_at(n, 0);
  std::vector<double> side;
  std::size_t found = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double v = x(k), scale = noise_at(k), limit = threshold * scale;
    // A spike stands alone: far from the nearest value on each side. A short stay at another
    // level (a machine running for a minute) has a neighbour near it.
    if (k > 0 && std::abs(v - x(k - 1)) <= limit) continue;
    if (k + 1 < n && std::abs(v - x(k + 1)) <= limit) continue;
    // ... and far from the level before it and the level after it, on the same side of both:
    // a value between the two levels of a step is the step (Hampel with one window around the
    // point flags the first values after a step, and misses spikes at one).
    double mb = kNaN, ma = kNaN;
    if (k > 0) {
      side.clear();
      for (std::size_t j = k > w ? k - w : 0; j < k; ++j) side.push_back(x(j));
      mb = median_of(side);
    }
    if (k + 1 < n) {
      side.clear();
      for (std::size_t j = k + 1; j < n && j <= k + w; ++j) side.push_back(x(j));
      ma = median_of(side);
    }
    bool up = true, down = true;
    for (double m : {mb, ma}) {
      if (std::isnan(m)) continue;
      up = up && v - m > limit;
      down = down && m - v > limit;
    }
    if (std::isnan(mb) && std::isnan(ma)) continue;
    if (!up && !down) continue;
    // At a step (the levels before and after differ), one reading at a third level that the
    // series often shows is a machine passing through a mode for one sample (running for a
    // minute before it broke down), not an outlier: outliers leave the series' usual range.
    if (!std::isnan(mb) && !std::isnan(ma) && std::abs(mb - ma) > 4 * scale && v >= usual_lo && v <= usual_hi) continue;
    flag[k] = 1, med_before[k] = mb, med_after[k] = ma, scale_at[k] = scale;
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (!flag[k]) continue;
    const std::size_t i = idx[k];
    const double mb = med_before[k], ma = med_after[k];
    const double dist = std::min(std::isnan(mb) ? INFINITY : std::abs(x(k) - mb), std::isnan(ma) ? INFINITY : std::abs(x(k) - ma));
    log.push_back(row_action(s, i, "spike",
                             fmt::format("{:.6g} is {:.1f} noise scales ({:.3g}) from the level before ({:.6g}) and after ({:.6g})",
                                         s.value[i], dist / scale_at[k], scale_at[k], mb, ma)));
    ++found;
  }
  for (std::size_t k = 0; k < n; ++k)
    if (flag[k]) s.value[idx[k]] = kNaN, s.flags[idx[k]] |= kSpike;
  return found;
}

std::size_t rate_outliers(Series& s, double max_rate, ActionLog& log) {
  std::size_t n = 0;
  std::size_t prev = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::isnan(s.value[i])) continue;
    if (prev == s.size()) {
      prev = i;
      continue;
    }
    std::size_t next = i + 1;
    while (next < s.size() && std::isnan(s.value[next])) ++next;
    auto rate = [&](std::size_t a, std::size_t b) {
      const double dt = static_cast<double>(s.ts[b] - s.ts[a]) / 1000.0;
      return dt <= 0 ? INFINITY : (s.value[b] - s.value[a]) / dt;
    };
    const double in = rate(prev, i);
    const bool spike = std::abs(in) > max_rate &&
                       (next == s.size() || (std::abs(rate(i, next)) > max_rate && (rate(i, next) > 0) != (in > 0)));
    if (spike) {
      log.push_back(row_action(s, i, "rate", fmt::format("changes {:.6g}/s, more than {}/s", in, max_rate)));
      s.value[i] = kNaN;
      s.flags[i] |= kRate;
      ++n;
      continue;  // prev stays the last trusted value
    }
    prev = i;
  }
  return n;
}

}  // namespace xinzhi::clean
