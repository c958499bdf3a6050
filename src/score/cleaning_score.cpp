#include "score/cleaning_score.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "clean/warehouse_input.hpp"
#include "store/quarantine_table.hpp"
#include "store/raw_series.hpp"
#include "store/sources_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::score {

using namespace xinzhi::clean;

namespace {

// Granularity at which a kind is counted (and matched): the gateway, the machine, or the series.
enum class Level { gateway, machine, series };
Level level_of(const std::string& kind) {
  if (kind == "clock_skew" || kind == "truncated_line") return Level::gateway;
  if (kind == "gap" || kind == "unit_fahrenheit") return Level::machine;
  return Level::series;
}
bool timeless(const std::string& kind) {
  return kind == "clock_skew" || kind == "truncated_line" || kind == "unit_fahrenheit";
}

std::string key_of(const DefectItem& d) {
  switch (level_of(d.kind)) {
    case Level::gateway: return d.kind + "|" + d.gateway;
    case Level::machine: return d.kind + "|" + d.machine;
    default: return d.kind + "|" + d.machine + "|" + d.sensor;
  }
}

}  // namespace

std::vector<DefectItem> truth_items(const twin::PlantTruth& truth) {
  const auto offset = truth.clock_offsets();  // gateway -> landing minus true ms
  std::vector<DefectItem> out;
  for (const auto& d : truth.defects()) {
    DefectItem item{d.kind, d.gateway, d.machine, d.sensor, d.ts, d.end};
    if (!timeless(d.kind))
      if (auto it = offset.find(d.gateway); it != offset.end()) item.ts += it->second, item.end += it->second;
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<DefectScore> score_defects(const std::vector<DefectItem>& truth, const std::vector<DefectItem>& found,
                                       std::int64_t tol) {
  using Spans = std::vector<std::pair<TimestampMs, TimestampMs>>;
  auto build = [](const std::vector<DefectItem>& items) {
    std::map<std::string, Spans> idx;
    for (const auto& d : items) idx[key_of(d)].emplace_back(d.ts, d.end);
    for (auto& [k, v] : idx) std::sort(v.begin(), v.end());
    return idx;
  };
  const auto ti = build(truth), fi = build(found);
  auto matched = [&](const std::map<std::string, Spans>& other, const DefectItem& d) {
    auto it = other.find(key_of(d));
    if (it == other.end()) return false;
    if (timeless(d.kind)) return true;
    // Spans that meet within the tolerance; spans are sorted by start and short, so look at the
    // ones starting up to a day before.
    const Spans& v = it->second;
    auto lo = std::lower_bound(v.begin(), v.end(), std::make_pair(d.ts - tol - 86'400'000, TimestampMs{0}));
    for (; lo != v.end() && lo->first <= d.end + tol; ++lo)
      if (lo->second >= d.ts - tol) return true;
    return false;
  };
  std::map<std::string, DefectScore> by_kind;
  for (const auto& d : truth) {
    auto& s = by_kind[d.kind];
    s.kind = d.kind;
    ++s.truth;
    s.truth_matched += matched(fi, d);
  }
  for (const auto& d : found) {
    auto& s = by_kind[d.kind];
    s.kind = d.kind;
    ++s.found;
    s.found_matched += matched(ti, d);
  }
  std::vector<DefectScore> out;
  for (auto& [k, s] : by_kind) out.push_back(s);
  return out;
}

namespace {

// What the cleaning found, in the truth's units and in the landing clock: rows by the raw
// timestamp they arrived with, inserted rows shifted back by the skew the cleaning corrected.
std::vector<DefectItem> found_items(const std::vector<Series>& raw, const CleanResult& res,
                                    const std::map<std::string, std::string>& gateway_of,
                                    const std::vector<std::string>& truncated_gateways) {
  std::vector<TimestampMs> landing;
  for (const Series& s : raw)
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto id = static_cast<std::size_t>(s.rowid[i]);
      if (id >= landing.size()) landing.resize(id + 1, 0);
      landing[id] = s.ts[i];
    }
  auto at = [&](std::int64_t rowid) { return landing[static_cast<std::size_t>(rowid)]; };
  auto gw = [&](const std::string& m) {
    auto it = gateway_of.find(m);
    return it == gateway_of.end() ? std::string() : it->second;
  };
  std::vector<DefectItem> out;
  std::set<std::int64_t> dropped, spiked;
  for (const Action& a : res.actions)
    if (a.step == "dedup" && a.rowid >= 0) dropped.insert(a.rowid);
  std::map<std::pair<std::string, std::string>, std::int64_t> unit_rows;
  const Action* run_first = nullptr;
  const Action* run_last = nullptr;
  auto close_run = [&]() {
    if (run_first) out.push_back({"stuck", gw(run_first->machine), run_first->machine, run_first->sensor,
                                  at(run_first->rowid), at(run_last->rowid)});
    run_first = run_last = nullptr;
  };
  for (const Action& a : res.actions) {
    if (a.step == "stuck" && a.rowid >= 0) {
      if (run_first && (run_first->machine != a.machine || run_first->sensor != a.sensor || run_first->reason != a.reason))
        close_run();
      if (!run_first) run_first = &a;
      run_last = &a;
      continue;
    }
    if (a.rowid < 0) continue;
    if (a.step == "dedup") out.push_back({"duplicate", gw(a.machine), a.machine, a.sensor, at(a.rowid), at(a.rowid)});
    else if (a.step == "reorder" && !dropped.count(a.rowid))
      out.push_back({"out_of_order", gw(a.machine), a.machine, a.sensor, at(a.rowid), at(a.rowid)});
    else if ((a.step == "spike" || a.step == "rate" || a.step == "range") && spiked.insert(a.rowid).second)
      out.push_back({"spike", gw(a.machine), a.machine, a.sensor, at(a.rowid), at(a.rowid)});
    else if (a.step == "unit") ++unit_rows[{a.machine, a.sensor}];
  }
  close_run();
  // Per machine: gaps (merged over its sensors), a skewed clock, °F temperatures.
  std::map<std::string, std::vector<std::pair<TimestampMs, TimestampMs>>> gaps;
  std::map<std::string, std::pair<int, int>> skewed;  // gateway -> machines skewed, machines
  std::map<std::string, bool> machine_skewed;
  for (std::size_t k = 0; k < res.series.size(); ++k) {
    const Series& s = res.series[k];
    const SeriesReport& sr = res.report.series[k];
    machine_skewed[s.machine] = machine_skewed[s.machine] || sr.skew_ms != 0;
    const std::int64_t iv = sr.interval_ms;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if ((s.flags[i] & kWasMissing) && s.rowid[i] >= 0)
        out.push_back({"missing", gw(s.machine), s.machine, s.sensor, at(s.rowid[i]), at(s.rowid[i])});
      const bool inserted = s.flags[i] & kInserted;
      if (inserted && (i == 0 || !(s.flags[i - 1] & kInserted))) {
        std::size_t j = i;
        while (j + 1 < s.size() && (s.flags[j + 1] & kInserted)) ++j;
        gaps[s.machine].emplace_back(s.ts[i] + sr.skew_ms, s.ts[j] + sr.skew_ms);
      }
      if (!inserted && i > 0 && iv > 0 && !(s.flags[i - 1] & kInserted) &&
          static_cast<double>(s.ts[i] - s.ts[i - 1]) > 1.5 * static_cast<double>(iv))
        gaps[s.machine].emplace_back(s.ts[i - 1] + iv + sr.skew_ms, s.ts[i] - iv + sr.skew_ms);
    }
    auto u = unit_rows.find({s.machine, s.sensor});
    if (u != unit_rows.end() && 2 * u->second > static_cast<std::int64_t>(s.size()))
      out.push_back({"unit_fahrenheit", gw(s.machine), s.machine, s.sensor, 0, 0});
  }
  for (auto& [machine, spans] : gaps) {
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<TimestampMs, TimestampMs>> merged;
    for (const auto& sp : spans) {
      if (!merged.empty() && sp.first <= merged.back().second + 600'000) merged.back().second = std::max(merged.back().second, sp.second);
      else merged.push_back(sp);
    }
    for (const auto& sp : merged) out.push_back({"gap", gw(machine), machine, "", sp.first, sp.second});
  }
  for (const auto& [machine, sk] : machine_skewed) {
    auto& c = skewed[gw(machine)];
    c.first += sk, ++c.second;
  }
  for (const auto& [gateway, c] : skewed)
    if (2 * c.first > c.second) out.push_back({"clock_skew", gateway, "", "", 0, 0});
  for (const auto& g : truncated_gateways) out.push_back({"truncated_line", g, "", "", 0, 0});
  return out;
}

}  // namespace

std::vector<ImputeScore> score_imputation(const PreparedClean& prepared, const Rules& rules,
                                          const twin::PlantTruth& truth_files, std::int64_t tol,
                                          const std::vector<ImputeMethod>& methods,
                                          const std::map<std::string, std::int64_t>& true_offset) {
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<TimestampMs, double>>> truth;
  truth_files.for_each_signal([&](TimestampMs t, const std::string& machine, const std::string& sensor, double v) {
    truth[{machine, sensor}].emplace_back(t, v);
  });
  for (auto& [k, v] : truth) std::sort(v.begin(), v.end());
  std::vector<ImputeScore> out;
  Progress progress("scoring imputation", methods.size(), "methods");
  for (ImputeMethod m : methods) {
    Rules r = rules;
    r.defaults.impute = m;
    for (auto& [name, rule] : r.sensors) rule.impute = m;
    r.align_ms = 0;
    // A copy of what imputation reads: the series and the report (not the action log or the
    // window metrics, which it does not touch).
    PreparedClean p;
    p.result.series = prepared.result.series;
    p.result.report = prepared.result.report;
    p.started = prepared.started;
    const CleanResult res = finish_cleaning(std::move(p), r);
    std::map<std::string, std::pair<double, std::int64_t>> acc;
    for (std::size_t k = 0; k < res.series.size(); ++k) {
      const Series& s = res.series[k];
      auto it = truth.find({s.machine, s.sensor});
      if (it == truth.end()) continue;
      auto off = true_offset.find(s.machine);
      // Clean time -> landing time (undo the cleaning's skew correction) -> true time.
      const std::int64_t shift = res.report.series[k].skew_ms - (off == true_offset.end() ? 0 : off->second);
      const auto& tv = it->second;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (!(s.flags[i] & kImputed) || std::isnan(s.value[i])) continue;
        const TimestampMs t = s.ts[i] + shift;
        auto lo = std::lower_bound(tv.begin(), tv.end(), std::make_pair(t - tol, -std::numeric_limits<double>::infinity()));
        const std::pair<TimestampMs, double>* best = nullptr;
        for (auto p = lo; p != tv.end() && p->first <= t + tol; ++p)
          if (!best || std::abs(p->first - t) < std::abs(best->first - t)) best = &*p;
        if (!best) continue;
        acc[s.sensor].first += std::abs(s.value[i] - best->second);
        ++acc[s.sensor].second;
      }
    }
    for (auto& [sensor, a] : acc)
      out.push_back({sensor, to_string(m), a.second, a.second ? a.first / static_cast<double>(a.second) : 0});
    progress.advance();
  }
  progress.finish();
  std::sort(out.begin(), out.end(), [](const ImputeScore& a, const ImputeScore& b) {
    return std::tie(a.sensor, a.method) < std::tie(b.sensor, b.method);
  });
  return out;
}

TruthScore score_against_truth(store::Warehouse& wh, const Rules& rules, const std::string& dir,
                               std::int64_t tolerance_ms, const CleaningWork* work) {
  namespace fs = std::filesystem;
  const twin::PlantTruth truth(dir);
  std::map<std::string, std::string> gateway_of = truth.gateway_of();
  const std::map<std::string, std::int64_t> gw_offset = truth.clock_offsets();
  std::map<std::string, std::int64_t> true_offset;
  for (const auto& [m, g] : gateway_of) true_offset[m] = gw_offset.count(g) ? gw_offset.at(g) : 0;
  // Lines ingest quarantined as cut short, by the gateway (file name) they came from.
  std::vector<std::string> truncated;
  for (const auto& source : store::quarantined_sources(wh.db(), "truncated last line"))
    truncated.push_back(fs::path(source).stem().string());
  CleaningWork own;
  if (!work) {
    own.raw = to_series(store::read_raw_series(wh.db()));
    own.prepared = prepare_cleaning(own.raw, rules, store::read_source_runs(wh.db()));
    own.result = finish_cleaning(own.prepared, rules);
    work = &own;
  }
  TruthScore score;
  score.defects = score_defects(truth_items(truth), found_items(work->raw, work->result, gateway_of, truncated), tolerance_ms);
  score.imputation = score_imputation(work->prepared, rules, truth, tolerance_ms,
                                      {ImputeMethod::previous, ImputeMethod::linear, ImputeMethod::time_linear,
                                       ImputeMethod::seasonal, ImputeMethod::correlated},
                                      true_offset);
  return score;
}

nlohmann::json TruthScore::to_json() const {
  nlohmann::json j;
  j["defects"] = nlohmann::json::array();
  for (const auto& d : defects)
    j["defects"].push_back({{"kind", d.kind}, {"truth", d.truth}, {"found", d.found}, {"precision", d.precision()},
                            {"recall", d.recall()}});
  j["imputation"] = nlohmann::json::array();
  for (const auto& m : imputation)
    j["imputation"].push_back({{"sensor", m.sensor}, {"method", m.method}, {"points", m.points}, {"mae", m.mae}});
  return j;
}

std::string TruthScore::to_text() const {
  std::string t = fmt::format("{:<16} {:>8} {:>8} {:>10} {:>8}\n", "defect", "truth", "found", "precision", "recall");
  for (const auto& d : defects)
    t += fmt::format("{:<16} {:>8} {:>8} {:>10.4f} {:>8.4f}\n", d.kind, d.truth, d.found, d.precision(), d.recall());
  t += fmt::format("\n{:<16} {:<12} {:>8} {:>12}\n", "sensor", "method", "points", "MAE");
  for (const auto& m : imputation) t += fmt::format("{:<16} {:<12} {:>8} {:>12.5g}\n", m.sensor, m.method, m.points, m.mae);
  return t;
}

}  // namespace xinzhi::score
