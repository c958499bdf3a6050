#include "clean/cleaner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "clean/gaps.hpp"
#include "clean/outliers.hpp"
#include "clean/standardise.hpp"
#include "clean/stuck.hpp"
#include "clean/units.hpp"
#include "clean/warehouse_input.hpp"
#include "core/progress.hpp"
#include "core/sampling.hpp"
#include "core/stopwatch.hpp"
#include "store/clean_tables.hpp"
#include "store/raw_series.hpp"
#include "store/sources_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::clean {

namespace {

std::vector<std::pair<TimestampMs, double>> thin(const std::vector<TimestampMs>& ts, const std::vector<double>& v,
                                                 std::size_t max_points = 240) {
  std::vector<std::pair<TimestampMs, double>> out;
  const std::size_t step = std::max<std::size_t>(1, (ts.size() + max_points - 1) / max_points);
  for (std::size_t i = 0; i < ts.size(); i += step) out.emplace_back(ts[i], v[i]);
  return out;
}

std::string method_text(std::uint16_t f, const std::string& imputed) {
  std::string m;
  auto add = [&](const char* s) {
    if (!m.empty()) m += ';';
    m += s;
  };
  if (f & kSkew) add("skew");
  if (f & kMoved) add("snapped");
  if (f & kUnit) add("unit");
  if (f & kOutOfRange) add("out_of_range");
  if (f & kSpike) add("spike");
  if (f & kRate) add("rate");
  if (f & kStuck) add("stuck");
  if (f & kInserted) add("inserted");
  if (f & kWasMissing) add("arrived_missing");
  if (!imputed.empty()) add(("imputed:" + imputed).c_str());
  return m;
}

const char* origin_text(std::uint16_t f, double v) {
  if (std::isnan(v)) return "missing";
  if (f & kImputed) return "imputed";
  if (f & (kSkew | kMoved | kUnit)) return "repaired";
  return "raw";
}

}  // namespace

PreparedClean prepare_cleaning(std::vector<Series> raw, const Rules& rules, const SourceRuns& sources) {
  PreparedClean prep;
  prep.started = std::chrono::steady_clock::now();
  CleanResult& res = prep.result;
  CleaningReport& rep = res.report;
  std::sort(raw.begin(), raw.end(), [](const Series& a, const Series& b) {
    return std::tie(a.machine, a.sensor) < std::tie(b.machine, b.sensor);
  });
  // Arrival stamps are read once, before any row moves (see Series::received).
  std::vector<std::optional<std::int64_t>> arrival(raw.size());
  for (std::size_t k = 0; k < raw.size(); ++k) {
    arrival[k] = arrival_skew(raw[k]);
    raw[k].received = {};
  }
  for (auto& s : raw) {
    s.flags.resize(s.size(), 0);
    s.method.resize(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
      if (std::isnan(s.value[i])) s.flags[i] |= kWasMissing;
  }
  const std::size_t n = raw.size();
  rep.series.resize(n);
  res.windows_before.resize(n);
  res.windows_after.resize(n);
  Progress progress("clean", n, "series");

  // 1. Metrics before, reorder, de-duplicate, interval.
  std::vector<std::int64_t> interval(n, 0);
  const std::vector<std::vector<std::uint8_t>> late = sources.empty() ? decltype(late){} : late_in_source(raw, sources);
  for (std::size_t k = 0; k < n; ++k) {
    Series& s = raw[k];
    SeriesReport& sr = rep.series[k];
    const SensorRule& rule = rules.rule_for(s.sensor);
    sr.machine = s.machine, sr.sensor = s.sensor;
    sr.unit = unit_symbol(rule.unit);
    sr.rows_in = static_cast<std::int64_t>(s.size());
    rep.rows_in += sr.rows_in;
    for (double v : s.value) sr.defects.missing_values += std::isnan(v);
    sr.defects.out_of_order = static_cast<std::int64_t>(sources.empty() ? reorder(s, res.actions) : reorder(s, late[k], res.actions));
    sr.before = quality_metrics(s.ts, s.value);
    res.windows_before[k] = windowed_quality(s.ts, s.value, rules.metrics_window_ms);
    sr.raw_sample = thin(s.ts, s.value);
    sr.defects.duplicates = static_cast<std::int64_t>(deduplicate(s, rule.dedup_tolerance_ms, rule.dedup_same_value, res.actions));
    interval[k] = rule.interval_ms > 0 ? rule.interval_ms : estimate_interval(s.ts);
    sr.interval_ms = interval[k];
  }

  // 2. Clock skew. Where the collector stamped each row's arrival (its clock synchronised, the
  // device's perhaps not), the offset is measured directly: see arrival_skew. This is the robust
  // way, and the only one that sees a skew shared by every series of a gateway: each device polls
  // at its own phase, so the phases of the values' timestamps say nothing about whose clock is off.
  // Without stamps, a series whose grid phase differs from the typical phase of series with the
  // same interval (devices polled in step) has a clock that is off.
  std::map<std::int64_t, std::vector<double>> phases;
  std::vector<std::int64_t> phase(n, 0);
  for (std::size_t k = 0; k < n; ++k)
    if (interval[k] > 0 && !arrival[k]) {
      phase[k] = grid_phase(raw[k].ts, interval[k]);
      phases[interval[k]].push_back(static_cast<double>(phase[k]));
    }
  for (std::size_t k = 0; k < n; ++k) {
    const SensorRule& rule = rules.rule_for(raw[k].sensor);
    if (!rule.repair_timestamps) continue;
    if (arrival[k]) {
      // A second by default: collector latency on a plant network is tens of milliseconds, and
      // a clock within a second of true time is right for minute-scale sensor data.
      const std::int64_t tol = rule.skew_tolerance_ms >= 0 ? rule.skew_tolerance_ms : 1000;
      if (std::abs(*arrival[k]) > tol) {
        correct_skew(raw[k], *arrival[k], res.actions, "against the collector's arrival stamps");
        rep.series[k].skew_ms = *arrival[k];
        rep.series[k].defects.clock_skew = 1;
        rep.steps["clock_skew"] += static_cast<std::int64_t>(raw[k].size());
      }
      continue;
    }
    if (interval[k] <= 0) continue;
    const auto& ph = phases[interval[k]];
    if (ph.size() < 3) continue;  // too few series to tell which clock is right
    const auto ref = static_cast<std::int64_t>(std::llround(median_of(ph)));
    // Only when most series share one grid phase does a different phase mean a clock that is
    // off; devices polled in turn each have their own phase, and then phase says nothing.
    std::size_t agree = 0;
    const std::int64_t tol_k = rule.skew_tolerance_ms >= 0 ? rule.skew_tolerance_ms : interval[k] / 10;
    for (double p : ph) agree += std::abs(p - static_cast<double>(ref)) <= static_cast<double>(tol_k);
    if (2 * agree <= ph.size()) continue;
    const std::int64_t skew = phase[k] - ref;
    const std::int64_t tol = rule.skew_tolerance_ms >= 0 ? rule.skew_tolerance_ms : interval[k] / 10;
    if (std::abs(skew) > tol) {
      correct_skew(raw[k], skew, res.actions);
      rep.series[k].skew_ms = skew;
      rep.series[k].defects.clock_skew = 1;
      rep.steps["clock_skew"] += static_cast<std::int64_t>(raw[k].size());
    }
  }

  // 3. Timestamps onto the grid; reference levels for the unit check.
  std::map<std::string, std::vector<double>> medians;
  for (std::size_t k = 0; k < n; ++k) {
    Series& s = raw[k];
    const SensorRule& rule = rules.rule_for(s.sensor);
    if (rule.repair_timestamps && interval[k] > 0) {
      std::size_t coll = 0;
      rep.steps["timestamp_moved"] +=
          static_cast<std::int64_t>(snap_timestamps(s, interval[k], res.actions, &coll, circular_phase(s.ts, interval[k])));
      rep.series[k].defects.timestamp_collisions = static_cast<std::int64_t>(coll);
    }
    medians[s.sensor].push_back(median_of(s.value));
  }
  std::map<std::string, double> reference;
  for (auto& [sensor, m] : medians) reference[sensor] = m.size() >= 3 ? median_of(m) : kNaN;

  // 4. Values: units, range, stuck, outliers; rows for absent readings.
  for (std::size_t k = 0; k < n; ++k) {
    Series& s = raw[k];
    SeriesReport& sr = rep.series[k];
    const SensorRule& rule = rules.rule_for(s.sensor);
    sr.defects.unit_errors = static_cast<std::int64_t>(normalise_units(s, rule, reference[s.sensor], res.actions));
    sr.defects.out_of_range = static_cast<std::int64_t>(mark_out_of_range(s, rule, res.actions));
    sr.defects.stuck_runs = static_cast<std::int64_t>(detect_stuck(s, rule.stuck_run, rule.stuck_to_missing, res.actions));
    sr.defects.spikes = static_cast<std::int64_t>(hampel(s, rule.hampel_window, rule.hampel_threshold, res.actions));
    if (rule.max_rate) sr.defects.rate_outliers = static_cast<std::int64_t>(rate_outliers(s, *rule.max_rate, res.actions));
    sr.defects.gaps = static_cast<std::int64_t>(count_gaps(s.ts, interval[k]));
    if (rule.fill_gaps && rule.repair_timestamps && interval[k] > 0) {
      std::size_t added = 0;
      insert_gap_rows(s, interval[k], rule.max_gap_ms, &added);
      sr.inserted = static_cast<std::int64_t>(added);
    }
    progress.advance();
  }
  // A sensor frozen at its rest level (0 rpm) is told from a machine at rest by the machine's
  // other sensors: all series are judged first, then marked, so that the order does not matter.
  {
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> at_rest(n);
    for (std::size_t k = 0; k < n; ++k) {
      const SensorRule& rule = rules.rule_for(raw[k].sensor);
      if (rule.stuck_run < 2) continue;
      std::vector<const Series*> context;
      for (std::size_t j = 0; j < n; ++j)
        if (j != k && raw[j].machine == raw[k].machine) context.push_back(&raw[j]);
      // Three readings in a row: a machine starting or stopping shows on each sensor at its own
      // sampling time, which leaves one or two readings of disagreement at the edges.
      at_rest[k] = stuck_at_rest(raw[k], context, 3);
    }
    for (std::size_t k = 0; k < n; ++k)
      rep.series[k].defects.stuck_runs += static_cast<std::int64_t>(
          mark_stuck_at_rest(raw[k], at_rest[k], rules.rule_for(raw[k].sensor).stuck_to_missing, res.actions));
  }

  progress.finish();
  prep.result.series = std::move(raw);
  return prep;
}

CleanResult finish_cleaning(PreparedClean prep, const Rules& rules) {
  CleanResult res = std::move(prep.result);
  CleaningReport& rep = res.report;
  std::vector<Series> raw = std::move(res.series);
  const std::size_t n = raw.size();
  res.windows_after.resize(n);
  Progress progress("clean", n, "series");

  // 5. Imputation, per machine, so that the correlated method sees the machine's other sensors.
  for (std::size_t first = 0; first < n;) {
    std::size_t last = first;
    while (last < n && raw[last].machine == raw[first].machine) ++last;
    std::vector<TimestampMs> grid;
    for (std::size_t k = first; k < last; ++k) grid.insert(grid.end(), raw[k].ts.begin(), raw[k].ts.end());
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    std::vector<std::vector<double>> cols;
    std::vector<std::vector<std::size_t>> pos;  // row of series k -> grid index
    std::vector<ImputeOptions> opts;
    for (std::size_t k = first; k < last; ++k) {
      const Series& s = raw[k];
      std::vector<double> col(grid.size(), kNaN);
      std::vector<std::size_t> p(s.size());
      for (std::size_t i = 0; i < s.size(); ++i) {
        p[i] = static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), s.ts[i]) - grid.begin());
        col[p[i]] = s.value[i];
      }
      cols.push_back(std::move(col));
      pos.push_back(std::move(p));
      const SensorRule& rule = rules.rule_for(s.sensor);
      ImputeOptions o;
      o.method = rule.impute;
      o.max_gap_ms = rule.max_gap_ms;
      o.season_ms = rule.season_ms;
      opts.push_back(o);
    }
    // Methods that look at one series only interpolate on the series' own timeline: on the
    // machine's union grid its neighbours would be other sensors' sampling times.
    for (std::size_t k = first; k < last; ++k) {
      ImputeOptions& o = opts[k - first];
      if (o.method == ImputeMethod::correlated || o.method == ImputeMethod::none) continue;
      Series& s = raw[k];
      std::vector<std::uint8_t> own;
      impute_series(s.ts, s.value, o, &own);
      for (std::size_t i = 0; i < s.size(); ++i)
        if (own[i]) s.flags[i] |= kImputed, s.method[i] = to_string(o.method), ++rep.series[k].imputed;
      o.method = ImputeMethod::none;
    }
    std::vector<std::vector<std::uint8_t>> filled;
    impute_columns(grid, cols, opts, &filled);
    for (std::size_t k = first; k < last; ++k) {
      Series& s = raw[k];
      const std::size_t c = k - first;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (!std::isnan(s.value[i]) || !filled[c][pos[c][i]]) continue;
        s.value[i] = cols[c][pos[c][i]];
        s.flags[i] |= kImputed;
        s.method[i] = to_string(opts[c].method);
        ++rep.series[k].imputed;
      }
    }
    first = last;
  }

  // 6. Standardise, metrics after, totals.
  res.value_std.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    Series& s = raw[k];
    SeriesReport& sr = rep.series[k];
    const SensorRule& rule = rules.rule_for(s.sensor);
    res.value_std[k] = standardise(s.value, rule.standardise);
    for (double v : s.value) sr.left_missing += std::isnan(v);
    sr.rows_out = static_cast<std::int64_t>(s.size());
    sr.dropped = sr.defects.duplicates + sr.defects.timestamp_collisions;
    sr.after = quality_metrics(s.ts, s.value);
    res.windows_after[k] = windowed_quality(s.ts, s.value, rules.metrics_window_ms);
    sr.clean_sample = thin(s.ts, s.value);
    rep.rows_clean += sr.rows_out;
    rep.rows_dropped += sr.dropped;
    rep.rows_inserted += sr.inserted;
    rep.values_imputed += sr.imputed;
    rep.values_missing += sr.left_missing;
    rep.steps["reorder"] += sr.defects.out_of_order;
    rep.steps["dedup"] += sr.defects.duplicates;
    rep.steps["timestamp_collision"] += sr.defects.timestamp_collisions;
    rep.steps["unit"] += sr.defects.unit_errors;
    rep.steps["range"] += sr.defects.out_of_range;
    rep.steps["spike"] += sr.defects.spikes;
    rep.steps["rate"] += sr.defects.rate_outliers;
    rep.steps["gap_rows_inserted"] += sr.inserted;
    rep.steps["imputed"] += sr.imputed;
    rep.steps["left_missing"] += sr.left_missing;
    if (rule.stuck_to_missing) {
      for (auto f : s.flags) rep.steps["stuck"] += (f & kStuck) != 0;
    } else {
      rep.steps["stuck_runs_flagged"] += sr.defects.stuck_runs;
    }
    progress.advance();
  }
  for (const char* step : {"clock_skew", "timestamp_moved"}) rep.steps[step] += 0;

  // 7. Alignment of each machine's sensors onto one grid.
  if (rules.align_ms > 0) {
    for (const Series& s : raw) {
      std::map<TimestampMs, std::pair<double, std::int64_t>> buckets;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (std::isnan(s.value[i])) continue;
        const TimestampMs b = floor_to_multiple(s.ts[i], rules.align_ms);
        auto [it, fresh] = buckets.try_emplace(b, s.value[i], 0);
        auto& [acc, cnt] = it->second;
        if (!fresh) {
          switch (rules.align_agg) {
            case Aggregate::mean: acc += s.value[i]; break;
            case Aggregate::min: acc = std::min(acc, s.value[i]); break;
            case Aggregate::max: acc = std::max(acc, s.value[i]); break;
            case Aggregate::last: acc = s.value[i]; break;
          }
        }
        ++cnt;
      }
      for (auto& [b, ac] : buckets) {
        const double v = rules.align_agg == Aggregate::mean ? ac.first / static_cast<double>(ac.second) : ac.first;
        res.aligned.push_back({s.machine, s.sensor, b, v, ac.second});
      }
    }
    rep.aligned_rows = static_cast<std::int64_t>(res.aligned.size());
  }
  progress.finish();
  res.series = std::move(raw);
  rep.seconds = seconds_since(prep.started);
  return res;
}

CleanResult clean_series_set(std::vector<Series> raw, const Rules& rules, const SourceRuns& sources) {
  return finish_cleaning(prepare_cleaning(std::move(raw), rules, sources), rules);
}

CleaningReport run_cleaning(store::Warehouse& wh, const Rules& rules, CleaningWork* keep) {
  std::vector<Series> raw = to_series(store::read_raw_series(wh.db()));
  const store::SourceRuns sources = store::read_source_runs(wh.db());
  CleanResult res;
  if (keep) {
    keep->raw = raw;
    keep->prepared = prepare_cleaning(std::move(raw), rules, sources);
    res = finish_cleaning(keep->prepared, rules);
  } else {
    res = clean_series_set(std::move(raw), rules, sources);
  }

  store::CleanTablesWriter out(wh.db());
  for (std::size_t k = 0; k < res.series.size(); ++k) {
    const Series& s = res.series[k];
    for (std::size_t i = 0; i < s.size(); ++i)
      out.add(store::CleanReadingRow{s.ts[i], &s.machine, &s.sensor, s.value[i], res.value_std[k][i], s.rowid[i],
                                     origin_text(s.flags[i], s.value[i]), method_text(s.flags[i], s.method[i])});
  }
  for (const Action& a : res.actions)
    out.add(store::CleanActionRow{a.step, a.machine, a.sensor, a.rowid, a.ts, a.old_value, a.new_value, a.dropped, a.reason});
  auto metric = [&](const SeriesReport& sr, const char* phase, const WindowQuality* w, const QualityMetrics& q) {
    store::CleanMetricRow m{sr.machine, sr.sensor, phase, std::nullopt, std::nullopt, q.count, q.completeness,
                            q.consistency, q.timeliness, q.validity};
    if (w) m.window_start = w->start, m.window_end = w->end;
    out.add(m);
  };
  for (std::size_t k = 0; k < res.series.size(); ++k) {
    const SeriesReport& sr = res.report.series[k];
    metric(sr, "before", nullptr, sr.before);
    metric(sr, "after", nullptr, sr.after);
    for (const auto& w : res.windows_before[k]) metric(sr, "before", &w, w.metrics);
    for (const auto& w : res.windows_after[k]) metric(sr, "after", &w, w.metrics);
  }
  for (const auto& a : res.aligned) out.add(a);
  out.commit();
  spdlog::info("clean: {} raw rows -> {} clean rows ({} dropped with a record, {} inserted, {} imputed, {} still missing) "
               "in {:.2f}s",
               res.report.rows_in, res.report.rows_clean, res.report.rows_dropped, res.report.rows_inserted,
               res.report.values_imputed, res.report.values_missing, res.report.seconds);
  if (!keep) return res.report;
  res.aligned = {}, res.value_std = {}, res.windows_before = {}, res.windows_after = {};
  keep->result = std::move(res);
  return keep->result.report;
}

Table aligned_wide(const std::vector<AlignedRow>& rows) {
  std::set<std::string> sensors;
  for (const auto& r : rows) sensors.insert(r.sensor);
  std::map<std::pair<std::string, TimestampMs>, std::map<std::string, double>> grid;
  for (const auto& r : rows) grid[{r.machine, r.ts}][r.sensor] = r.value;
  Table t;
  Column& ts = t.add_column("ts", ColumnType::timestamp);
  Column& machine = t.add_column("machine", ColumnType::string);
  std::vector<Column*> cols;
  for (const auto& s : sensors) cols.push_back(&t.add_column(s, ColumnType::float64));
  for (const auto& [key, values] : grid) {
    ts.push_int(key.second);
    machine.push_string(key.first);
    std::size_t c = 0;
    for (const auto& s : sensors) {
      auto it = values.find(s);
      if (it == values.end() || std::isnan(it->second)) cols[c]->push_null();
      else cols[c]->push_double(it->second);
      ++c;
    }
  }
  return t;
}

Table read_aligned_wide(store::Warehouse& wh) { return aligned_wide(store::read_aligned_rows(wh.db())); }

}  // namespace xinzhi::clean
