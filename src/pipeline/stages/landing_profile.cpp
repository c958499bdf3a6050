#include "pipeline/stages/landing_profile.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "clean/gaps.hpp"
#include "clean/time_repair.hpp"
#include "clean/warehouse_input.hpp"
#include "core/html.hpp"
#include "core/progress.hpp"
#include "core/sampling.hpp"
#include "store/raw_series.hpp"

namespace xinzhi::pipeline {

LandingProfile profile_landing(store::Warehouse& wh) {
  LandingProfile p;
  p.method = {{"missing", "values reported empty / null"},
              {"duplicate", "rows repeating a (machine, sensor, ts) with the same value (the cleaning's de-duplication)"},
              {"out_of_order", "rows that arrived after a younger row of their series (the cleaning's reordering)"},
              {"gap", "intervals over 1.5 x the series' sample interval (the cleaning's gap count)"}};
  std::set<std::string> machines;
  std::vector<clean::Series> all = clean::to_series(store::read_raw_series(wh.db()));
  Progress progress("landing profile", all.size(), "series");
  for (clean::Series& s : all) {
    progress.advance();
    machines.insert(s.machine);
    SensorProfile& sp = p.sensors[s.sensor];
    ++sp.series;
    ++p.series;
    p.readings += static_cast<std::int64_t>(s.size());
    for (double v : s.value) {
      if (std::isnan(v)) {
        ++p.found["missing"];
        continue;
      }
      const double n = static_cast<double>(++sp.readings);
      sp.min = n == 1 ? v : std::min(sp.min, v);
      sp.max = n == 1 ? v : std::max(sp.max, v);
      sp.mean += (v - sp.mean) / n;
    }
    clean::ActionLog log;
    p.found["out_of_order"] += static_cast<std::int64_t>(clean::reorder(s, log));
    p.found["duplicate"] += static_cast<std::int64_t>(clean::deduplicate(s, 0, true, log));
    p.found["gap"] += static_cast<std::int64_t>(clean::count_gaps(s.ts, estimate_interval(s.ts)));
  }
  progress.finish();
  for (const char* kind : {"missing", "duplicate", "out_of_order", "gap"}) p.found[kind] += 0;
  p.machines = static_cast<std::int64_t>(machines.size());
  return p;
}

nlohmann::json LandingProfile::to_json() const {
  nlohmann::json j = {{"readings", readings}, {"series", series}, {"machines", machines}};
  for (const auto& [name, s] : sensors)
    j["sensors"][name] = {{"readings", s.readings}, {"series", s.series}, {"min", s.min}, {"max", s.max}, {"mean", s.mean}};
  j["defects_found"] = found;
  return j;
}

std::string LandingProfile::to_html() const {
  std::string out = fmt::format("<h3>The landing data</h3><p>{} readings in {} series from {} machines.</p>", readings,
                                series, machines);
  std::vector<std::vector<std::string>> rows;
  std::vector<html::Bar> bars;
  for (const auto& [name, s] : sensors) {
    rows.push_back({name, std::to_string(s.series), std::to_string(s.readings), fmt::format("{:.2f}", s.min),
                    fmt::format("{:.2f}", s.mean), fmt::format("{:.2f}", s.max)});
    bars.push_back({name, static_cast<double>(s.readings)});
  }
  out += html::table({"sensor", "#series", "#values", "#min", "#mean", "#max"}, rows);
  out += html::bar_chart("Values per sensor", bars, "");
  std::vector<std::vector<std::string>> defects;
  for (const auto& [kind, n] : found) {
    const auto m = method.find(kind);
    defects.push_back({kind, std::to_string(n), m == method.end() ? "" : m->second});
  }
  out += "<h3>Defects visible in the raw readings</h3>"
         "<p class=note>Counted before any repair. Stuck sensors, spikes and wrong units need the cleaning's "
         "judgement: the clean stage reports them.</p>" +
         html::table({"defect", "#rows", "how it was counted"}, defects);
  return out;
}

}  // namespace xinzhi::pipeline
