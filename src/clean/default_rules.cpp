#include "clean/default_rules.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

namespace xinzhi::clean {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// What a unit says about a sensor's values.
void apply_unit(const std::string& unit_text, SensorRule& r) {
  const std::string u = lower(unit_text);
  if (u == "degc" || u == "°c" || u == "c" || u == "celsius") {
    r.unit = "C";
    r.min = -273.15;
  } else if (u == "k" || u == "kelvin") {
    r.min = 0;
  } else if (u == "%" || u == "%rh" || u == "percent") {
    r.min = 0, r.max = 100;
  } else if (u == "rpm" || u == "1/min" || u == "kw" || u == "w" || u == "kpa" || u == "pa" || u == "bar" ||
             u == "mm/s" || u == "m/s" || u == "a" || u == "l/min" || u == "m3/h") {
    r.min = 0;  // magnitudes: never negative
  }
}

}  // namespace

Rules default_rules(const std::vector<store::SensorInfo>& sensors) {
  Rules rules;
  rules.file = "<defaults from the sensors table>";
  SensorRule& d = rules.defaults;
  d.interval_ms = 0;  // each series' own median interval
  d.hampel_window = 5;
  d.hampel_threshold = 15.0;
  d.stuck_run = 7;
  d.stuck_to_missing = false;
  d.impute = ImputeMethod::time_linear;
  d.max_gap_ms = 10 * 60 * 1000;
  d.standardise = Standardise::zscore;
  rules.align_ms = 60 * 1000;
  rules.align_agg = Aggregate::mean;
  rules.metrics_window_ms = 3600 * 1000;

  std::map<std::string, std::set<std::string>> units;
  std::map<std::string, std::set<std::int64_t>> intervals;
  for (const auto& s : sensors) {
    units[s.sensor].insert(s.unit);
    intervals[s.sensor].insert(s.interval_ms);
  }
  for (const auto& [sensor, us] : units) {
    SensorRule r = d;
    if (us.size() == 1) apply_unit(*us.begin(), r);  // machines that disagree on a unit: no unit rules
    const auto& iv = intervals[sensor];
    if (iv.size() == 1 && *iv.begin() > 0) r.interval_ms = *iv.begin();
    rules.sensors[sensor] = r;
  }
  return rules;
}

std::string describe_default_rules(const Rules& rules) {
  std::string out;
  for (const auto& [sensor, r] : rules.sensors) {
    std::string range = "no range";
    if (r.min || r.max)
      range = fmt::format("range [{}, {}]", r.min ? fmt::format("{}", *r.min) : "-inf", r.max ? fmt::format("{}", *r.max) : "inf");
    out += fmt::format("  {:<14} unit {:<6} {:<24} interval {}\n", sensor, r.unit.empty() ? "-" : r.unit, range,
                       r.interval_ms > 0 ? fmt::format("{} s", r.interval_ms / 1000.0) : "each series' own");
  }
  return out;
}

}  // namespace xinzhi::clean
