#include "clean/truth_score.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::clean {

namespace {

std::vector<std::string> split_n(const std::string& line, std::size_t n) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() + 1 < n) {
    const std::size_t p = line.find(',', start);
    if (p == std::string::npos) break;
    out.push_back(line.substr(start, p - start));
    start = p + 1;
  }
  out.push_back(line.substr(start));
  return out;
}

bool parse_ts(const std::string& s, TimestampMs& out) {
  if (auto t = parse_iso8601(s)) return out = *t, true;
  if (s.empty()) return false;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size()) return false;
  out = v;
  return true;
}

}  // namespace

namespace {

std::string detail_value(const std::string& detail, const std::string& key) {
  std::size_t p = 0;
  while (p < detail.size()) {
    std::size_t q = detail.find(';', p);
    if (q == std::string::npos) q = detail.size();
    const std::string item = detail.substr(p, q - p);
    if (item.rfind(key + "=", 0) == 0) return item.substr(key.size() + 1);
    p = q + 1;
  }
  return "";
}

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

std::vector<DefectItem> read_truth_defects(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::vector<DefectItem> out;
  std::vector<std::string> details;
  std::map<std::string, std::int64_t> offset;  // gateway -> landing minus true ms
  long no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (no == 1 || line.empty()) continue;  // header kind,gateway,machine,sensor,ts,detail
    const auto f = split_n(line, 6);
    if (f.size() < 5) throw InputError(place(path, no), "expected kind,gateway,machine,sensor,ts,detail");
    DefectItem d;
    d.kind = f[0], d.gateway = f[1], d.machine = f[2], d.sensor = f[3];
    const std::string detail = f.size() > 5 ? f[5] : "";
    if (!parse_ts(f[4], d.ts)) throw InputError(place(path, no), fmt::format("bad timestamp '{}'", f[4]));
    d.end = d.ts;
    if (d.kind == "gap" || d.kind == "stuck") {
      const std::string e = detail_value(detail, "end");
      if (!e.empty() && !parse_ts(e, d.end)) throw InputError(place(path, no), fmt::format("bad end '{}'", e));
    }
    if (d.kind == "clock_skew") offset[d.gateway] = std::strtoll(detail_value(detail, "offset_ms").c_str(), nullptr, 10);
    out.push_back(std::move(d));
  }
  for (auto& d : out)
    if (!timeless(d.kind)) d.ts += offset[d.gateway], d.end += offset[d.gateway];
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
                                          const std::string& signals_csv, std::int64_t tol,
                                          const std::vector<ImputeMethod>& methods,
                                          const std::map<std::string, std::int64_t>& true_offset) {
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<TimestampMs, double>>> truth;
  {
    std::istringstream in(read_file(signals_csv));
    std::string line;
    long no = 0;
    while (std::getline(in, line)) {
      ++no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (no == 1 || line.empty()) continue;
      const auto f = split_n(line, 4);
      TimestampMs t;
      if (f.size() != 4 || !parse_ts(f[0], t)) throw InputError(place(signals_csv, no), "expected ts,machine,sensor,value");
      if (f[3].empty()) continue;
      truth[{f[1], f[2]}].emplace_back(t, std::strtod(f[3].c_str(), nullptr));
    }
    for (auto& [k, v] : truth) std::sort(v.begin(), v.end());
  }
  std::vector<ImputeScore> out;
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
  }
  std::sort(out.begin(), out.end(), [](const ImputeScore& a, const ImputeScore& b) {
    return std::tie(a.sensor, a.method) < std::tie(b.sensor, b.method);
  });
  return out;
}

std::vector<Series> read_raw_series(store::Warehouse& wh) {
  std::vector<Series> raw;
  store::Statement q =
      wh.db().prepare("SELECT rowid, ts, machine, sensor, value, received FROM readings ORDER BY machine, sensor, rowid");
  std::vector<bool> stamped;
  while (q.step()) {
    std::string machine = q.get_text(2), sensor = q.get_text(3);
    if (raw.empty() || raw.back().machine != machine || raw.back().sensor != sensor) {
      raw.emplace_back();
      raw.back().machine = std::move(machine);
      raw.back().sensor = std::move(sensor);
      stamped.push_back(false);
    }
    raw.back().push(q.get_int(1), q.is_null(4) ? std::nan("") : q.get_double(4), q.get_int(0));
    raw.back().received.push_back(q.is_null(5) ? kNotReceived : q.get_int(5));
    if (!q.is_null(5)) stamped.back() = true;
  }
  for (std::size_t k = 0; k < raw.size(); ++k)
    if (!stamped[k]) raw[k].received.clear();  // no stamps: keep no column of them
  return raw;
}

TruthScore score_against_truth(store::Warehouse& wh, const Rules& rules, const std::string& dir,
                               std::int64_t tolerance_ms, const CleaningWork* work) {
  namespace fs = std::filesystem;
  // A plant folder (truth/ and plant.json inside) or its truth/ folder.
  fs::path truth_dir = dir, plant_json = fs::path(dir) / "plant.json";
  if (fs::exists(fs::path(dir) / "truth" / "defects.csv")) truth_dir = fs::path(dir) / "truth";
  else plant_json = fs::path(dir).parent_path() / "plant.json";
  std::map<std::string, std::string> gateway_of;
  if (fs::exists(plant_json)) {
    const auto j = nlohmann::json::parse(read_file(plant_json.string()), nullptr, false);
    if (j.is_object() && j.contains("machines"))
      for (const auto& m : j["machines"]) gateway_of[m.value("id", "")] = m.value("gateway", "");
  }
  const std::vector<DefectItem> truth = read_truth_defects((truth_dir / "defects.csv").string());
  std::map<std::string, std::int64_t> gw_offset, true_offset;
  for (const auto& d : truth)
    if (gateway_of.empty() && !d.machine.empty()) gateway_of.emplace(d.machine, d.gateway);
  for (const auto& d : truth)
    if (d.kind == "clock_skew") gw_offset[d.gateway] = 0;
  {
    // read_truth_defects moved times into the landing clock; the offsets again for imputation.
    std::istringstream in(read_file((truth_dir / "defects.csv").string()));
    std::string line;
    while (std::getline(in, line)) {
      const auto f = split_n(line, 6);
      if (f.size() == 6 && f[0] == "clock_skew")
        gw_offset[f[1]] = std::strtoll(detail_value(f[5], "offset_ms").c_str(), nullptr, 10);
    }
  }
  for (const auto& [m, g] : gateway_of) true_offset[m] = gw_offset.count(g) ? gw_offset[g] : 0;
  // Lines ingest quarantined as cut short, by the gateway (file name) they came from.
  std::vector<std::string> truncated;
  {
    store::Statement q = wh.db().prepare("SELECT source FROM quarantine WHERE reason LIKE 'truncated last line%'");
    while (q.step()) truncated.push_back(fs::path(q.get_text(0)).stem().string());
  }
  CleaningWork own;
  if (!work) {
    own.raw = read_raw_series(wh);
    own.prepared = prepare_cleaning(own.raw, rules, read_source_runs(wh));
    own.result = finish_cleaning(own.prepared, rules);
    work = &own;
  }
  TruthScore score;
  score.defects = score_defects(truth, found_items(work->raw, work->result, gateway_of, truncated), tolerance_ms);
  score.imputation = score_imputation(work->prepared, rules, (truth_dir / "signals.csv").string(), tolerance_ms,
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

}  // namespace xinzhi::clean
