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

std::int64_t grid_phase(const std::vector<TimestampMs>& ts, std::int64_t interval) {
  if (interval <= 0 || ts.empty()) return 0;
  // Offsets are taken from the nearest grid point, so they lie in [-interval/2, interval/2); a
  // phase near the ends (half an interval off) is ambiguous and may come out with either sign.
  std::vector<double> off;
  off.reserve(ts.size());
  for (TimestampMs t : ts) off.push_back(static_cast<double>(t - round_to(t, interval)));
  return static_cast<std::int64_t>(std::llround(median_of(std::move(off))));
}

std::optional<std::int64_t> arrival_skew(const Series& s, std::size_t min_rows) {
  std::vector<double> lag;
  lag.reserve(s.received.size());
  for (std::size_t i = 0; i < s.received.size() && i < s.size(); ++i)
    if (s.received[i] != kNotReceived) lag.push_back(static_cast<double>(s.received[i] - s.ts[i]));
  if (lag.size() < std::max<std::size_t>(min_rows, 1)) return std::nullopt;
  // The 5th percentile: the rows that came through fastest, without the few odd ones.
  const std::size_t q = lag.size() / 20;
  std::nth_element(lag.begin(), lag.begin() + static_cast<std::ptrdiff_t>(q), lag.end());
  return -static_cast<std::int64_t>(std::llround(lag[q]));
}

void correct_skew(Series& s, std::int64_t skew_ms, ActionLog& log, const std::string& how) {
  if (skew_ms == 0 || s.size() == 0) return;
  for (std::size_t i = 0; i < s.size(); ++i) s.ts[i] -= skew_ms, s.flags[i] |= kSkew;
  Action a;
  a.step = "clock_skew";
  a.machine = s.machine, a.sensor = s.sensor;
  a.ts = s.ts[0];
  a.old_value = a.new_value = kNaN;
  a.reason = fmt::format("clock {} by {} ms {}; all {} timestamps corrected", skew_ms > 0 ? "ahead" : "behind",
                         std::abs(skew_ms), how, s.size());
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

// Chance per series of a false stuck run (about one false run per 1000 series). Looser finds
// noise runs: on the twin (about 100 series, 14 days) a chance of 1e-2 flagged six runs of
// healthy readings, a humidity of 6 equal readings among them.
constexpr double kStuckChance = 1e-3;

std::size_t detect_stuck(Series& s, int min_run, bool to_missing, ActionLog& log) {
  if (min_run < 2) return 0;
  // A machine at rest reports its rest level (0 rpm, no power) for hours: the series' lowest
  // value, when it is also a common one, is not judged here (stuck_at_rest asks the machine's
  // other sensors).
  double lowest = INFINITY;
  std::size_t valid = 0, at_lowest = 0;
  for (double v : s.value)
    if (!std::isnan(v)) lowest = std::min(lowest, v), ++valid;
  for (double v : s.value) at_lowest += v == lowest;
  const bool rest_level = valid > 0 && 20 * at_lowest > valid;
  // Valid values in order, their differences and the resolution (smallest step between values).
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!std::isnan(s.value[i])) idx.push_back(i);
  const std::size_t n = idx.size();
  if (n < 3) return 0;
  double resolution = INFINITY;
  for (std::size_t k = 1; k < n; ++k) {
    const double d = std::abs(s.value[idx[k]] - s.value[idx[k - 1]]);
    if (d > 0) resolution = std::min(resolution, d);
  }
  if (!std::isfinite(resolution)) return 0;  // a constant series: nothing says it should move
  // How likely a run of equal readings is for this sensor here: from the median |difference| m
  // of the readings around the run, two readings at resolution q are equal with probability
  // about 0.27 q / m (Gaussian differences of sd m / 0.6745, rounded to q). A run of L equal
  // readings then has probability p^(L-1); it is stuck when that is below kStuckChance / n, i.e.
  // less than that chance that the series shows such a run by noise anywhere.
  // A sensor whose readings often repeat (quantised, or a setpoint) is never judged stuck this way.
  const double log_bar = std::log(kStuckChance / static_cast<double>(n));
  std::vector<double> buf;
  auto noise_around = [&](std::size_t a, std::size_t b) {  // run = valid positions [a, b]
    buf.clear();
    // Pairs (k-1, k) before the run, not touching it; and after, leaving out the pair that
    // leaves the run (the sensor catching up with the truth).
    for (std::size_t k = a >= 1 ? a - 1 : 0, c = 0; k >= 1 && c < 10; --k, ++c)
      buf.push_back(std::abs(s.value[idx[k]] - s.value[idx[k - 1]]));
    for (std::size_t k = b + 2, c = 0; k < n && c < 10; ++k, ++c)
      buf.push_back(std::abs(s.value[idx[k]] - s.value[idx[k - 1]]));
    if (buf.size() < 4) return 0.0;
    return median_of(buf);
  };
  // The Gaussian estimate misses a coarse sensor whose readings scatter around a steady level (a
  // press at 70 strokes/min, sd about 1 stroke): a reading then equals the one before it about as
  // often as the level's value itself comes up (0.3 at the mode), and an 11-reading run comes up by
  // chance (seen on the twin, seed 101). Around the run (up to 50 readings each side, rest-level
  // ones left out) two shares say so: how many readings equal the run's value, and how many
  // consecutive pairs are equal. Where both are high, the smaller of them stands in for the
  // Gaussian estimate when it is larger. A drifting signal (humidity) seldom revisits one value and
  // a cycling one never repeats, so their short stuck runs keep the Gaussian estimate.
  auto repeat_chance_around = [&](std::size_t a, std::size_t b, double v) {
    std::size_t seen = 0, equal_value = 0, pairs = 0, equal_pairs = 0;
    auto count = [&](std::size_t k, bool pair_with_previous) {
      const double x = s.value[idx[k]];
      if (rest_level && x == lowest) return;
      ++seen, equal_value += x == v;
      if (pair_with_previous && k >= 1) ++pairs, equal_pairs += x == s.value[idx[k - 1]];
    };
    // Before the run: readings a-1, a-2, ... each paired with the one before it. After: the
    // reading that leaves the run (catching up with the truth) is not paired with the run.
    for (std::size_t k = a, c = 0; k >= 1 && c < 50; --k, ++c) count(k - 1, true);
    for (std::size_t k = b + 1, c = 0; k < n && c < 50; ++k, ++c) count(k, k > b + 1);
    const double value_share = (static_cast<double>(equal_value) + 0.5) / (static_cast<double>(seen) + 1.0);
    const double pair_share = (static_cast<double>(equal_pairs) + 0.5) / (static_cast<double>(pairs) + 1.0);
    return std::min(value_share, pair_share);
  };
  // Around a run at a working level next to a flat rest stretch (a speed stuck at 20 strokes
  // while the press stands still), the neighbours show no noise: the series' own median
  // |difference| away from its rest level stands in.
  double away_from_rest = 0;
  {
    std::vector<double> d;
    for (std::size_t k = 1; k < n; ++k) {
      const double a = s.value[idx[k - 1]], b = s.value[idx[k]];
      if (!(rest_level && (a == lowest || b == lowest))) d.push_back(std::abs(b - a));
    }
    if (!d.empty()) away_from_rest = median_of(std::move(d));
  }
  std::size_t runs = 0, k = 0;
  while (k < n) {
    std::size_t j = k + 1;
    const double v = s.value[idx[k]];
    while (j < n && s.value[idx[j]] == v) ++j;
    const std::size_t len = j - k;
    if (len >= static_cast<std::size_t>(min_run) && !(rest_level && v == lowest)) {
      double m = noise_around(k, j - 1);
      if (m == 0) m = away_from_rest;
      const double p = m > 0 ? std::min(1.0, std::max(0.27 * resolution / m, repeat_chance_around(k, j - 1, v))) : 1.0;
      if (p < 1 && static_cast<double>(len - 1) * std::log(p) < log_bar) {
        ++runs;
        for (std::size_t r = k + 1; r < j; ++r) {
          const std::size_t i = idx[r];
          log.push_back(make(s, i, "stuck", fmt::format("stuck at {} for {} readings (chance by noise {:.1e})", v, len,
                                                        std::pow(p, static_cast<double>(len - 1))),
                             to_missing ? kNaN : s.value[i]));
          if (to_missing) s.value[i] = kNaN, s.flags[i] |= kStuck;
        }
      }
    }
    k = j;
  }
  return runs;
}

namespace {

// The series' rest level: its lowest value when at least 5% of the values are at it.
std::optional<double> rest_level(const Series& s) {
  double lowest = INFINITY;
  std::size_t valid = 0, at = 0;
  for (double v : s.value)
    if (!std::isnan(v)) lowest = std::min(lowest, v), ++valid;
  for (double v : s.value) at += v == lowest;
  if (valid == 0 || 20 * at <= valid) return std::nullopt;
  return lowest;
}

// The index of the valid value of c nearest to t within max_dt, or npos.
std::size_t nearest_valid(const Series& c, TimestampMs t, std::int64_t max_dt) {
  auto it = std::lower_bound(c.ts.begin(), c.ts.end(), t);
  std::size_t best = std::string::npos;
  std::int64_t best_dt = max_dt + 1;
  for (std::size_t i = static_cast<std::size_t>(it - c.ts.begin()), steps = 0; i < c.size() && steps < 4; ++i, ++steps)
    if (!std::isnan(c.value[i]) && c.ts[i] - t < best_dt) best = i, best_dt = c.ts[i] - t;
  for (std::size_t i = static_cast<std::size_t>(it - c.ts.begin()), steps = 0; i > 0 && steps < 4; --i, ++steps)
    if (!std::isnan(c.value[i - 1]) && t - c.ts[i - 1] < best_dt) best = i - 1, best_dt = t - c.ts[i - 1];
  return best;
}

// A context sensor as a vote on "this machine is working": value > threshold (or < when !above).
struct Indicator {
  const Series* series;
  std::int64_t reach;  // how far from a reading its value still counts
  double threshold;
  bool above;
  double accuracy = 0;  // balanced accuracy of the rest/working split it was chosen by
};

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> stuck_at_rest(const Series& s,
                                                                const std::vector<const Series*>& context,
                                                                std::size_t min_run) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const auto rest = rest_level(s);
  if (!rest || min_run == 0) return out;
  std::vector<Indicator> indicators;
  for (const Series* c : context) {
    const std::int64_t iv = estimate_interval(c->ts);
    if (iv <= 0 || c->size() < 50) continue;
    // The context's values while this series is at rest and while it is not.
    std::vector<double> at_rest, working;
    const std::int64_t reach = std::max<std::int64_t>(iv, estimate_interval(s.ts)) / 2 + 1;
    for (std::size_t i = 0; i < c->size(); ++i) {
      if (std::isnan(c->value[i])) continue;
      const std::size_t j = nearest_valid(s, c->ts[i], reach);
      if (j == std::string::npos) continue;
      (s.value[j] == *rest ? at_rest : working).push_back(c->value[i]);
    }
    if (at_rest.size() < 20 || working.size() < 20) continue;
    std::sort(at_rest.begin(), at_rest.end());
    std::sort(working.begin(), working.end());
    // The best threshold by balanced accuracy: scan the merged values once.
    double best = 0, best_t = 0;
    bool best_above = true;
    std::size_t r = 0, w = 0;
    while (r < at_rest.size() || w < working.size()) {
      const double t = r < at_rest.size() && (w >= working.size() || at_rest[r] <= working[w]) ? at_rest[r] : working[w];
      while (r < at_rest.size() && at_rest[r] <= t) ++r;
      while (w < working.size() && working[w] <= t) ++w;
      // "working when value > t": rest values <= t are right, working values > t are right.
      const double rest_ok = static_cast<double>(r) / static_cast<double>(at_rest.size());
      const double work_ok = static_cast<double>(working.size() - w) / static_cast<double>(working.size());
      const double acc_above = (rest_ok + work_ok) / 2, acc_below = 1 - acc_above;
      if (acc_above > best) best = acc_above, best_t = t, best_above = true;
      if (acc_below > best) best = acc_below, best_t = t, best_above = false;
    }
    if (best >= 0.97) indicators.push_back({c, iv, best_t, best_above, best});
  }
  if (indicators.empty()) return out;
  // Each valid reading: 2 when it is at rest while every indicator that can tell (two at least)
  // says "working"; 1 when only the least accurate of three or more voters dissents; 0 otherwise.
  std::vector<std::pair<std::size_t, int>> marks;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double v = s.value[i];
    if (std::isnan(v)) continue;
    if (v != *rest) {
      marks.emplace_back(i, -1);
      continue;
    }
    int yes = 0, votes = 0;
    std::size_t dissenter = 0, least = indicators.size();  // the least accurate indicator that voted
    for (std::size_t q = 0; q < indicators.size(); ++q) {
      const Indicator& ind = indicators[q];
      const std::size_t j = nearest_valid(*ind.series, s.ts[i], ind.reach);
      if (j == std::string::npos) continue;
      ++votes;
      const bool working = ind.above ? ind.series->value[j] > ind.threshold : ind.series->value[j] <= ind.threshold;
      yes += working;
      if (!working) dissenter = q;
      if (least == indicators.size() || ind.accuracy < indicators[least].accuracy) least = q;
    }
    const bool all_agree = votes >= std::min<int>(2, static_cast<int>(indicators.size())) && yes == votes;
    const bool only_the_weakest_dissents = votes >= 3 && yes == votes - 1 && dissenter == least;
    marks.emplace_back(i, all_agree ? 2 : only_the_weakest_dissents ? 1 : 0);
  }
  // Stretches of min_run or more. Every sensor that can tell must say "working": a worn machine
  // standing idle vibrates or draws like a working one on one sensor, not on all; and a machine
  // that just stopped still draws power and holds pressure for a few minutes. Only a sustained
  // stretch may have its least accurate voter dissent (a machine idling slowly after a repair
  // draws power and holds pressure but barely vibrates): no lag lasts kSustained readings.
  constexpr std::size_t kSustained = 30;
  auto emit_runs_of = [&](std::size_t a, std::size_t b, int at_least) {  // marks [a, b)
    for (std::size_t k = a; k < b;) {
      if (marks[k].second < at_least) {
        ++k;
        continue;
      }
      std::size_t e = k;
      while (e < b && marks[e].second >= at_least) ++e;
      if (e - k >= min_run) out.emplace_back(marks[k].first, marks[e - 1].first);
      k = e;
    }
  };
  for (std::size_t k = 0; k < marks.size();) {
    if (marks[k].second <= 0) {
      ++k;
      continue;
    }
    // A frozen sensor holds the last value it read, so a sensor stuck at its rest level froze
    // while the machine really was at rest: the stretch must follow genuine rest readings (at
    // least min_run, the other sensors agreeing). One that begins as the series drops to rest is
    // a machine stopping while its power, pressure and vibration still fall.
    std::size_t genuine_rest = 0;
    for (std::size_t j = k; j > 0 && marks[j - 1].second == 0; --j) ++genuine_rest;
    std::size_t e = k;
    bool dissent = false;
    for (; e < marks.size() && marks[e].second > 0; ++e) dissent = dissent || marks[e].second == 1;
    if (genuine_rest >= min_run) emit_runs_of(k, e, dissent && e - k < kSustained ? 2 : 1);
    k = e;
  }
  return out;
}

std::size_t mark_stuck_at_rest(Series& s, const std::vector<std::pair<std::size_t, std::size_t>>& stretches,
                               bool to_missing, ActionLog& log) {
  for (const auto& [a, b] : stretches) {
    std::size_t n = 0;
    for (std::size_t k = a; k <= b; ++k) n += !std::isnan(s.value[k]);
    const std::string reason = fmt::format("reads its rest level {} for {} readings from {} while the machine's other "
                                           "sensors show it working",
                                           s.value[a], n, format_iso8601(s.ts[a]));
    for (std::size_t k = a; k <= b; ++k) {
      if (std::isnan(s.value[k])) continue;
      log.push_back(make(s, k, "stuck", reason, to_missing ? kNaN : s.value[k]));
      if (to_missing) s.value[k] = kNaN, s.flags[k] |= kStuck;
    }
  }
  return stretches.size();
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
    log.push_back(make(s, i, "spike",
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
