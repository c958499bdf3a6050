#include "clean/time_repair.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "core/stats.hpp"

namespace xinzhi::clean {

namespace {

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// t on the nearest point of the epoch-aligned grid of `interval`.
TimestampMs round_to(TimestampMs t, std::int64_t interval) { return floor_to_multiple(t + interval / 2, interval); }

}  // namespace

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
      log.push_back(row_action(s, i, "reorder", "arrived after a younger row", s.value[i]));
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
  for (std::size_t i : order) sorted.push_row_of(s, i);
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
      log.push_back(row_action(s, i, "dedup", reason, kNaN, true));
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
      log.push_back(row_action(s, i, "timestamp",
                               fmt::format("snaps to the same {} ms slot as row {}", interval, s.rowid[last_i]), kNaN,
                               true));
      continue;
    }
    if (t != s.ts[i]) s.ts[i] = t, s.flags[i] |= kMoved, ++moved;
    last = t, last_i = i;
  }
  if (coll) s.erase_marked(drop);
  if (collisions) *collisions = coll;
  return moved;
}

}  // namespace xinzhi::clean
