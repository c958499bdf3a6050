#include "clean/stuck.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/sampling.hpp"
#include "core/stats.hpp"

namespace xinzhi::clean {

namespace {

// Chance per series of a false stuck run (about one false run per 1000 series). Looser finds
// noise runs: on the twin (about 100 series, 14 days) a chance of 1e-2 flagged six runs of
// healthy readings, a humidity of 6 equal readings among them.
constexpr double kStuckChance = 1e-3;

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

std::size_t detect_stuck(Series& s, int min_run, bool to_missing, ActionLog& log) {
  if (min_run < 2) return 0;
  // A machine at rest reports its rest level (0 rpm, no power) for hours: the series' lowest
  // value, when it is also a common one, is not judged here (stuck_at_rest asks the machine's
  // other sensors).
  const std::optional<double> rest = rest_level(s);
  auto at_rest_level = [&](double v) { return rest && v == *rest; };
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
      if (at_rest_level(x)) return;
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
      if (!(at_rest_level(a) || at_rest_level(b))) d.push_back(std::abs(b - a));
    }
    if (!d.empty()) away_from_rest = median_of(std::move(d));
  }
  std::size_t runs = 0, k = 0;
  while (k < n) {
    std::size_t j = k + 1;
    const double v = s.value[idx[k]];
    while (j < n && s.value[idx[j]] == v) ++j;
    const std::size_t len = j - k;
    if (len >= static_cast<std::size_t>(min_run) && !at_rest_level(v)) {
      double m = noise_around(k, j - 1);
      if (m == 0) m = away_from_rest;
      const double p = m > 0 ? std::min(1.0, std::max(0.27 * resolution / m, repeat_chance_around(k, j - 1, v))) : 1.0;
      if (p < 1 && static_cast<double>(len - 1) * std::log(p) < log_bar) {
        ++runs;
        for (std::size_t r = k + 1; r < j; ++r) {
          const std::size_t i = idx[r];
          log.push_back(row_action(s, i, "stuck",
                                   fmt::format("stuck at {} for {} readings (chance by noise {:.1e})", v, len,
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
      log.push_back(row_action(s, k, "stuck", reason, to_missing ? kNaN : s.value[k]));
      if (to_missing) s.value[k] = kNaN, s.flags[k] |= kStuck;
    }
  }
  return stretches.size();
}

}  // namespace xinzhi::clean
