#include "clean/truth_score.hpp"

#include <algorithm>
#include <cmath>
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

using Index = std::map<std::string, std::vector<TimestampMs>>;

bool near(const Index& idx, const std::string& key, TimestampMs t, std::int64_t tol) {
  auto it = idx.find(key);
  if (it == idx.end()) return false;
  const auto& v = it->second;
  auto lo = std::lower_bound(v.begin(), v.end(), t - tol);
  return lo != v.end() && *lo <= t + tol;
}

}  // namespace

std::vector<DefectItem> read_truth_defects(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::vector<DefectItem> out;
  long no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (no == 1 || line.empty()) continue;  // header kind,gateway,machine,sensor,ts,detail
    const auto f = split_n(line, 6);
    if (f.size() < 5) throw InputError(place(path, no), "expected kind,gateway,machine,sensor,ts,detail");
    DefectItem d;
    d.kind = f[0], d.machine = f[2], d.sensor = f[3];
    if (!parse_ts(f[4], d.ts) && d.kind != "clock_skew" && d.kind != "truncated_line")
      throw InputError(place(path, no), fmt::format("bad timestamp '{}'", f[4]));
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<DefectItem> found_defects(const CleanResult& res, const ActionLog& actions) {
  std::vector<DefectItem> out;
  std::set<std::string> skewed;
  // De-duplication and reordering log raw timestamps, before a skewed clock was corrected.
  std::map<std::pair<std::string, std::string>, std::int64_t> skew;
  for (const auto& sr : res.report.series) skew[{sr.machine, sr.sensor}] = sr.skew_ms;
  for (const Action& a : actions) {
    std::string kind;
    TimestampMs ts = a.ts;
    if (a.step == "dedup") kind = "duplicate", ts -= skew[{a.machine, a.sensor}];
    else if (a.step == "reorder") kind = "out_of_order", ts -= skew[{a.machine, a.sensor}];
    else if (a.step == "spike" || a.step == "rate" || a.step == "range") kind = "spike";
    else if (a.step == "unit") kind = "unit_fahrenheit";
    else if (a.step == "stuck") kind = "stuck";
    else if (a.step == "clock_skew") {
      if (skewed.insert(a.machine).second) out.push_back({"clock_skew", a.machine, "", a.ts});
      continue;
    } else {
      continue;
    }
    out.push_back({kind, a.machine, a.sensor, ts});
  }
  for (std::size_t k = 0; k < res.series.size(); ++k) {
    const Series& s = res.series[k];
    const std::int64_t interval = res.report.series[k].interval_ms;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.flags[i] & kWasMissing) out.push_back({"missing", s.machine, s.sensor, s.ts[i]});
      const bool inserted = s.flags[i] & kInserted;
      if (inserted && (i == 0 || !(s.flags[i - 1] & kInserted))) out.push_back({"gap", s.machine, s.sensor, s.ts[i]});
      if (!inserted && i > 0 && interval > 0 && !(s.flags[i - 1] & kInserted) &&
          static_cast<double>(s.ts[i] - s.ts[i - 1]) > 1.5 * static_cast<double>(interval))
        out.push_back({"gap", s.machine, s.sensor, s.ts[i - 1] + interval});  // a gap left open
    }
  }
  return out;
}

std::vector<DefectScore> score_defects(const std::vector<DefectItem>& truth, const std::vector<DefectItem>& found,
                                       std::int64_t tol) {
  // Indexes by kind|machine|sensor (sensor "*" = any sensor of the machine).
  auto build = [](const std::vector<DefectItem>& items) {
    Index idx;
    for (const auto& d : items) {
      idx[d.kind + "|" + d.machine + "|" + d.sensor].push_back(d.ts);
      idx[d.kind + "|" + d.machine + "|*"].push_back(d.ts);
    }
    for (auto& [k, v] : idx) std::sort(v.begin(), v.end());
    return idx;
  };
  const Index ti = build(truth), fi = build(found);
  auto matched = [&](const Index& other, const DefectItem& d) {
    const std::int64_t t = d.kind == "clock_skew" ? std::numeric_limits<std::int64_t>::max() / 4 : tol;
    const std::string base = d.kind + "|" + d.machine + "|";
    if (d.sensor.empty()) return near(other, base + "*", d.ts, t);
    return near(other, base + d.sensor, d.ts, t) || near(other, base, d.ts, t);
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

std::vector<ImputeScore> score_imputation(const std::vector<Series>& raw, const Rules& rules,
                                          const std::string& signals_csv, std::int64_t tol,
                                          const std::vector<ImputeMethod>& methods) {
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
    const CleanResult res = clean_series_set(raw, r);
    std::map<std::string, std::pair<double, std::int64_t>> acc;
    for (const Series& s : res.series) {
      auto it = truth.find({s.machine, s.sensor});
      if (it == truth.end()) continue;
      const auto& tv = it->second;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (!(s.flags[i] & kImputed) || std::isnan(s.value[i])) continue;
        auto lo = std::lower_bound(tv.begin(), tv.end(), std::make_pair(s.ts[i] - tol, -std::numeric_limits<double>::infinity()));
        const std::pair<TimestampMs, double>* best = nullptr;
        for (auto p = lo; p != tv.end() && p->first <= s.ts[i] + tol; ++p)
          if (!best || std::abs(p->first - s.ts[i]) < std::abs(best->first - s.ts[i])) best = &*p;
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
  store::Statement q = wh.db().prepare("SELECT rowid, ts, machine, sensor, value FROM readings ORDER BY machine, sensor, rowid");
  while (q.step()) {
    std::string machine = q.get_text(2), sensor = q.get_text(3);
    if (raw.empty() || raw.back().machine != machine || raw.back().sensor != sensor) {
      raw.emplace_back();
      raw.back().machine = std::move(machine);
      raw.back().sensor = std::move(sensor);
    }
    raw.back().push(q.get_int(1), q.is_null(4) ? std::nan("") : q.get_double(4), q.get_int(0));
  }
  return raw;
}

TruthScore score_against_truth(store::Warehouse& wh, const Rules& rules, const std::string& truth_dir,
                               std::int64_t tolerance_ms) {
  const std::vector<Series> raw = read_raw_series(wh);
  TruthScore score;
  const CleanResult res = clean_series_set(raw, rules);
  score.defects = score_defects(read_truth_defects(truth_dir + "/defects.csv"), found_defects(res, res.actions),
                                tolerance_ms);
  score.imputation = score_imputation(raw, rules, truth_dir + "/signals.csv", tolerance_ms,
                                      {ImputeMethod::previous, ImputeMethod::linear, ImputeMethod::time_linear,
                                       ImputeMethod::seasonal, ImputeMethod::correlated});
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
