#include "clean/repair.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "clean/quality.hpp"

namespace xinzhi::clean {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Action make(const Series& s, std::size_t i, std::string step, std::string reason, double new_value = kNaN,
            bool dropped = false) {
  Action a;
  a.step = std::move(step);
  a.machine = s.machine;
  a.sensor = s.sensor;
  a.rowid = s.rowid[i];
  a.ts = s.ts[i];
  a.old_value = s.value[i];
  a.new_value = new_value;
  a.dropped = dropped;
  a.reason = std::move(reason);
  return a;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

TimestampMs floor_div(TimestampMs a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
TimestampMs round_to(TimestampMs t, std::int64_t interval) { return floor_div(t + interval / 2, interval) * interval; }

}  // namespace

void Series::push(TimestampMs t, double v, std::int64_t id, std::uint16_t f) {
  ts.push_back(t);
  value.push_back(v);
  rowid.push_back(id);
  flags.push_back(static_cast<std::uint16_t>(f | (std::isnan(v) ? kWasMissing : 0)));
  method.emplace_back();
}

void Series::erase_marked(const std::vector<std::uint8_t>& drop) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (drop[i]) continue;
    ts[k] = ts[i], value[k] = value[i], rowid[k] = rowid[i], flags[k] = flags[i], method[k] = std::move(method[i]);
    ++k;
  }
  ts.resize(k), value.resize(k), rowid.resize(k), flags.resize(k), method.resize(k);
}

std::size_t reorder(Series& s, ActionLog& log) {
  // Arrival order is rowid order.
  std::vector<std::size_t> arrival(s.size());
  std::iota(arrival.begin(), arrival.end(), 0);
  std::stable_sort(arrival.begin(), arrival.end(), [&](std::size_t a, std::size_t b) { return s.rowid[a] < s.rowid[b]; });
  std::vector<std::uint8_t> late(s.size(), 0);
  TimestampMs max_seen = std::numeric_limits<TimestampMs>::min();
  for (std::size_t i : arrival) {
    late[i] = s.ts[i] < max_seen;
    max_seen = std::max(max_seen, s.ts[i]);
  }
  return reorder(s, late, log);
}

std::size_t reorder(Series& s, const std::vector<std::uint8_t>& late, ActionLog& log) {
  std::size_t n_late = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (late[i]) {
      ++n_late;
      log.push_back(make(s, i, "reorder", "arrived after a younger row", s.value[i]));
    }
  bool sorted_already = true;
  for (std::size_t i = 1; i < s.size() && sorted_already; ++i)
    sorted_already = s.ts[i - 1] < s.ts[i] || (s.ts[i - 1] == s.ts[i] && s.rowid[i - 1] < s.rowid[i]);
  if (sorted_already) return n_late;
  std::vector<std::size_t> order(s.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return s.ts[a] != s.ts[b] ? s.ts[a] < s.ts[b] : s.rowid[a] < s.rowid[b];
  });
  Series sorted;
  sorted.machine = s.machine, sorted.sensor = s.sensor;
  sorted.ts.reserve(s.size()), sorted.value.reserve(s.size()), sorted.rowid.reserve(s.size());
  sorted.flags.reserve(s.size()), sorted.method.reserve(s.size());
  for (std::size_t i : order) {
    sorted.ts.push_back(s.ts[i]);
    sorted.value.push_back(s.value[i]);
    sorted.rowid.push_back(s.rowid[i]);
    sorted.flags.push_back(s.flags[i]);
    sorted.method.push_back(std::move(s.method[i]));
  }
  s = std::move(sorted);
  return n_late;
}

std::vector<std::vector<std::uint8_t>> late_in_source(const std::vector<Series>& set, const SourceRuns& runs) {
  struct Row {
    std::int64_t rowid;
    TimestampMs ts;
    std::uint32_t k, i;
  };
  std::vector<Row> rows;
  std::vector<std::vector<std::uint8_t>> late(set.size());
  for (std::size_t k = 0; k < set.size(); ++k) {
    late[k].assign(set[k].size(), 0);
    for (std::size_t i = 0; i < set[k].size(); ++i)
      rows.push_back({set[k].rowid[i], set[k].ts[i], static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i)});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.rowid < b.rowid; });
  std::map<std::int64_t, TimestampMs> max_seen;  // per source
  std::size_t r = 0;
  for (const Row& row : rows) {
    while (r + 1 < runs.size() && runs[r + 1].first <= row.rowid) ++r;
    const std::int64_t src = runs.empty() || row.rowid < runs[0].first ? -1 : runs[r].second;
    auto [it, fresh] = max_seen.try_emplace(src, row.ts);
    if (!fresh) {
      late[row.k][row.i] = row.ts < it->second;
      it->second = std::max(it->second, row.ts);
    }
  }
  return late;
}

std::size_t deduplicate(Series& s, std::int64_t tolerance_ms, bool same_value, ActionLog& log) {
  std::vector<std::uint8_t> drop(s.size(), 0);
  std::size_t kept = 0, dropped = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const bool equal_value = same(s.value[i], s.value[kept]);
    bool dup = false;
    std::string reason;
    if (s.ts[i] == s.ts[kept]) {
      dup = true;
      reason = equal_value ? fmt::format("exact duplicate of row {}", s.rowid[kept])
                           : fmt::format("same timestamp as row {} with another value ({}); the first kept",
                                         s.rowid[kept], s.value[kept]);
    } else if (tolerance_ms > 0 && s.ts[i] - s.ts[kept] <= tolerance_ms && (!same_value || equal_value)) {
      dup = true;
      reason = fmt::format("within {} ms of row {}", tolerance_ms, s.rowid[kept]);
    }
    if (dup) {
      drop[i] = 1;
      ++dropped;
      log.push_back(make(s, i, "dedup", reason, kNaN, true));
    } else {
      kept = i;
    }
  }
  if (dropped) s.erase_marked(drop);
  return dropped;
}

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

std::int64_t grid_phase(const std::vector<TimestampMs>& ts, std::int64_t interval) {
  if (interval <= 0 || ts.empty()) return 0;
  // Offsets are taken from the nearest grid point, so they lie in [-interval/2, interval/2); a
  // phase near the ends (half an interval off) is ambiguous and may come out with either sign.
  std::vector<double> off;
  off.reserve(ts.size());
  for (TimestampMs t : ts) off.push_back(static_cast<double>(t - round_to(t, interval)));
  return static_cast<std::int64_t>(std::llround(median_of(std::move(off))));
}

void correct_skew(Series& s, std::int64_t skew_ms, ActionLog& log) {
  if (skew_ms == 0 || s.size() == 0) return;
  for (std::size_t i = 0; i < s.size(); ++i) s.ts[i] -= skew_ms, s.flags[i] |= kSkew;
  Action a;
  a.step = "clock_skew";
  a.machine = s.machine, a.sensor = s.sensor;
  a.ts = s.ts[0];
  a.old_value = a.new_value = kNaN;
  a.reason = fmt::format("clock {} by {} ms against the other series; all {} timestamps corrected",
                         skew_ms > 0 ? "ahead" : "behind", std::abs(skew_ms), s.size());
  log.push_back(std::move(a));
}

std::int64_t circular_phase(const std::vector<TimestampMs>& ts, std::int64_t interval) {
  if (interval <= 0 || ts.empty()) return 0;
  double c = 0, sn = 0;
  const double w = 2 * M_PI / static_cast<double>(interval);
  for (TimestampMs t : ts) {
    const double a = w * static_cast<double>(((t % interval) + interval) % interval);
    c += std::cos(a), sn += std::sin(a);
  }
  if (c == 0 && sn == 0) return 0;
  double a = std::atan2(sn, c);
  if (a < 0) a += 2 * M_PI;
  return static_cast<std::int64_t>(std::llround(a / w)) % interval;
}

std::size_t snap_timestamps(Series& s, std::int64_t interval, ActionLog& log, std::size_t* collisions,
                            std::int64_t phase) {
  if (interval <= 0) return 0;
  std::size_t moved = 0, coll = 0;
  std::vector<std::uint8_t> drop(s.size(), 0);
  TimestampMs last = std::numeric_limits<TimestampMs>::min();
  std::size_t last_i = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const TimestampMs t = round_to(s.ts[i] - phase, interval) + phase;
    if (t == last) {
      drop[i] = 1;
      ++coll;
      log.push_back(make(s, i, "timestamp", fmt::format("snaps to the same {} ms slot as row {}", interval, s.rowid[last_i]),
                         kNaN, true));
      continue;
    }
    if (t != s.ts[i]) s.ts[i] = t, s.flags[i] |= kMoved, ++moved;
    last = t, last_i = i;
  }
  if (coll) s.erase_marked(drop);
  if (collisions) *collisions = coll;
  return moved;
}

namespace {

double f_to_c(double f) { return (f - 32) * 5.0 / 9.0; }
double k_to_c(double k) { return k - 273.15; }

// The median of the valid values in [i-w, i+w] without i.
double local_median(const std::vector<double>& v, std::size_t i, std::size_t w, std::vector<double>& buf) {
  buf.clear();
  const std::size_t lo = i >= w ? i - w : 0, hi = std::min(v.size(), i + w + 1);
  for (std::size_t j = lo; j < hi; ++j)
    if (j != i && !std::isnan(v[j])) buf.push_back(v[j]);
  if (buf.empty()) return kNaN;
  return median_of(buf);
}

}  // namespace

std::size_t normalise_units(Series& s, const SensorRule& rule, double reference, ActionLog& log) {
  if (rule.unit != "C" || !rule.detect_units || s.size() == 0) return 0;
  std::size_t converted = 0;
  auto convert = [&](std::size_t i, double c, const char* from) {
    log.push_back(make(s, i, "unit", fmt::format("{} {} read as {} °C", s.value[i], from, c), c));
    s.value[i] = c;
    s.flags[i] |= kUnit;
    ++converted;
  };
  const double m = median_of(s.value);
  if (std::isnan(reference)) reference = m;
  if (!std::isnan(m) && reference != m) {
    // The whole series in another unit: its median fits the reference far better converted.
    const double raw = std::abs(m - reference), fc = std::abs(f_to_c(m) - reference), kc = std::abs(k_to_c(m) - reference);
    const char* from = fc < raw / 4 ? "°F" : kc < raw / 10 ? "K" : nullptr;
    if (from) {
      for (std::size_t i = 0; i < s.size(); ++i)
        if (!std::isnan(s.value[i])) convert(i, from[0] == 'K' ? k_to_c(s.value[i]) : f_to_c(s.value[i]), from);
      return converted;
    }
  }
  // Single rows against their neighbours: far off as they are, close once converted.
  const double spread = std::max(scaled_mad(s.value, m), 1e-6 * std::abs(m) + 1e-9);
  std::vector<double> buf;
  const std::vector<double> orig = s.value;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double v = orig[i];
    if (std::isnan(v)) continue;
    if (std::abs(v - m) <= 6 * spread) continue;  // cheap test first: most values are near the median
    const double local = local_median(orig, i, 10, buf);
    if (std::isnan(local)) continue;
    const double tol = std::max(4 * spread, 1.0);
    if (std::abs(v - local) <= 3 * tol) continue;
    // Single rows are checked for °F only: a tenfold spike of a room temperature (~300) looks
    // like kelvin, and a device does not switch to kelvin for a row or two.
    if (std::abs(f_to_c(v) - local) <= tol) convert(i, f_to_c(v), "°F");
  }
  return converted;
}

std::size_t mark_out_of_range(Series& s, const SensorRule& rule, ActionLog& log) {
  if (!rule.min && !rule.max) return 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double v = s.value[i];
    if (std::isnan(v)) continue;
    if ((rule.min && v < *rule.min) || (rule.max && v > *rule.max)) {
      log.push_back(make(s, i, "range", fmt::format("{} outside [{}, {}]", v, rule.min.value_or(-INFINITY),
                                                    rule.max.value_or(INFINITY))));
      s.value[i] = kNaN;
      s.flags[i] |= kOutOfRange;
      ++n;
    }
  }
  return n;
}

std::size_t detect_stuck(Series& s, int min_run, bool to_missing, ActionLog& log) {
  if (min_run < 2) return 0;
  // A machine at rest reports its rest level (0 rpm, no power) for hours: the series' lowest
  // value, when it is also a common one, is not a frozen sensor.
  double lowest = INFINITY;
  std::size_t valid = 0, at_lowest = 0;
  for (double v : s.value)
    if (!std::isnan(v)) lowest = std::min(lowest, v), ++valid;
  for (double v : s.value) at_lowest += v == lowest;
  const bool rest_level = valid > 0 && 20 * at_lowest > valid;
  std::size_t runs = 0, i = 0;
  while (i < s.size()) {
    if (std::isnan(s.value[i])) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < s.size() && s.value[j] == s.value[i]) ++j;
    if (j - i >= static_cast<std::size_t>(min_run) && !(rest_level && s.value[i] == lowest)) {
      ++runs;
      for (std::size_t k = i + 1; k < j; ++k) {
        log.push_back(make(s, k, "stuck", fmt::format("stuck at {} for {} readings", s.value[i], j - i),
                           to_missing ? kNaN : s.value[k]));
        if (to_missing) s.value[k] = kNaN, s.flags[k] |= kStuck;
      }
    }
    i = j;
  }
  return runs;
}

std::size_t hampel(Series& s, int half_window, double threshold, ActionLog& log) {
  if (half_window <= 0) return 0;
  const std::vector<double> orig = s.value;
  const std::size_t w = static_cast<std::size_t>(half_window);
  std::vector<double> buf, med(s.size(), kNaN), mad(s.size(), kNaN), resid(s.size(), kNaN);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::isnan(orig[i])) continue;
    buf.clear();
    const std::size_t lo = i >= w ? i - w : 0, hi = std::min(s.size(), i + w + 1);
    for (std::size_t j = lo; j < hi; ++j)
      if (!std::isnan(orig[j])) buf.push_back(orig[j]);
    if (buf.size() < 3) continue;
    med[i] = median_of(buf);
    mad[i] = scaled_mad(buf, med[i]);
    resid[i] = orig[i] - med[i];
  }
  // The MAD of a small window is itself noisy, and plain Hampel flags ordinary noise now and
  // then; the series' own noise level (the scaled MAD of all residuals from the local medians)
  // is a floor under the local scale, which keeps false alarms on noise rare.
  const double noise = scaled_mad(resid, median_of(resid));
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::isnan(resid[i])) continue;
    const double scale = std::max(mad[i], std::isnan(noise) ? 0.0 : noise);
    bool lone = false;
    if (scale <= 0) {
      // A flat stretch (a machine at rest): a value is a spike when it departs alone, with the
      // flat level on both sides; a departure that lasts is a step (the machine starting).
      if (resid[i] == 0) continue;
      std::size_t p = i, q = i + 1;
      while (p > 0 && std::isnan(orig[p - 1])) --p;
      while (q < s.size() && std::isnan(orig[q])) ++q;
      // Small departures from a flat level are rounding of a slow machine (110 strokes, then 111).
      lone = p > 0 && q < s.size() && orig[p - 1] == med[i] && orig[q] == med[i] &&
             std::abs(resid[i]) > 0.5 * std::abs(med[i]);
      if (!lone) continue;
    }
    if (lone || std::abs(resid[i]) > threshold * scale) {
      log.push_back(make(s, i, "spike", fmt::format("{:.6g} is {:.1f} MADs from the local median {:.6g}", orig[i],
                                                    std::abs(resid[i]) / scale, med[i])));
      s.value[i] = kNaN;
      s.flags[i] |= kSpike;
      ++n;
    }
  }
  return n;
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
      log.push_back(make(s, i, "rate", fmt::format("changes {:.6g}/s, more than {}/s", in, max_rate)));
      s.value[i] = kNaN;
      s.flags[i] |= kRate;
      ++n;
      continue;  // prev stays the last trusted value
    }
    prev = i;
  }
  return n;
}

std::size_t insert_gap_rows(Series& s, std::int64_t interval, std::int64_t max_gap_ms, std::size_t* inserted) {
  if (interval <= 0 || s.size() < 2) return 0;
  const std::int64_t limit = max_gap_ms > 0 ? max_gap_ms : 100 * interval;
  Series out;
  out.machine = s.machine, out.sensor = s.sensor;
  std::size_t gaps = 0, added = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0) {
      const std::int64_t d = s.ts[i] - s.ts[i - 1];
      if (d > interval && d % interval == 0 && d <= limit) {
        ++gaps;
        for (TimestampMs t = s.ts[i - 1] + interval; t < s.ts[i]; t += interval) {
          out.ts.push_back(t);
          out.value.push_back(kNaN);
          out.rowid.push_back(-1);
          out.flags.push_back(kInserted);
          out.method.emplace_back();
          ++added;
        }
      }
    }
    out.ts.push_back(s.ts[i]);
    out.value.push_back(s.value[i]);
    out.rowid.push_back(s.rowid[i]);
    out.flags.push_back(s.flags[i]);
    out.method.push_back(std::move(s.method[i]));
  }
  s = std::move(out);
  if (inserted) *inserted = added;
  return gaps;
}

std::size_t count_gaps(const std::vector<TimestampMs>& ts, std::int64_t interval) {
  if (interval <= 0) return 0;
  std::size_t n = 0;
  for (std::size_t i = 1; i < ts.size(); ++i)
    if (static_cast<double>(ts[i] - ts[i - 1]) > 1.5 * static_cast<double>(interval)) ++n;
  return n;
}

std::vector<double> standardise(const std::vector<double>& v, Standardise how) {
  std::vector<double> out(v.size(), kNaN);
  double centre = 0, scale = 1;
  std::size_t n = 0;
  switch (how) {
    case Standardise::none: return v;
    case Standardise::zscore: {
      double sum = 0, sq = 0;
      for (double x : v)
        if (!std::isnan(x)) sum += x, ++n;
      if (n < 2) return out;
      centre = sum / static_cast<double>(n);
      for (double x : v)
        if (!std::isnan(x)) sq += (x - centre) * (x - centre);
      scale = std::sqrt(sq / static_cast<double>(n - 1));
      break;
    }
    case Standardise::minmax: {
      double lo = INFINITY, hi = -INFINITY;
      for (double x : v)
        if (!std::isnan(x)) lo = std::min(lo, x), hi = std::max(hi, x), ++n;
      if (n == 0) return out;
      centre = lo, scale = hi - lo;
      break;
    }
    case Standardise::robust: {
      centre = median_of(v);
      scale = scaled_mad(v, centre);
      break;
    }
  }
  if (!(scale > 0)) return out;
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - centre) / scale;
  return out;
}

}  // namespace xinzhi::clean
