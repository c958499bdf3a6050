#include "clean/rules.hpp"

#include <charconv>

#include "core/config.hpp"
#include "core/error.hpp"

namespace xinzhi::clean {

std::string to_string(Standardise s) {
  switch (s) {
    case Standardise::none: return "none";
    case Standardise::zscore: return "zscore";
    case Standardise::minmax: return "minmax";
    case Standardise::robust: return "robust";
  }
  return "none";
}

std::string to_string(Aggregate a) {
  switch (a) {
    case Aggregate::mean: return "mean";
    case Aggregate::min: return "min";
    case Aggregate::max: return "max";
    case Aggregate::last: return "last";
  }
  return "mean";
}

bool parse_duration(const std::string& text, std::int64_t& ms) {
  if (text.empty()) return false;
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || v < 0) return false;
  const std::string unit(p, text.data() + text.size());
  double scale;
  if (unit.empty() || unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m" || unit == "min") scale = 60000;
  else if (unit == "h") scale = 3600000;
  else if (unit == "d") scale = 86400000;
  else return false;
  ms = static_cast<std::int64_t>(v * scale + 0.5);
  return true;
}

namespace {

std::int64_t duration(const ConfigNode& n, const std::string& key, std::int64_t fallback, bool allow_auto = false) {
  if (!n.has(key)) {
    n.get<std::string>(key, "");  // mark as read
    return fallback;
  }
  const std::string text = n.get<std::string>(key, "");
  if (allow_auto && text == "auto") return 0;
  std::int64_t ms;
  if (!parse_duration(text, ms))
    n.fail_at(key, "expected a duration such as 500ms, 10s, 5m, 1h or 1d" + std::string(allow_auto ? " (or auto)" : "") +
                       ", got '" + text + "'");
  return ms;
}

SensorRule parse_sensor_rule(const ConfigNode& n, SensorRule r) {
  if (n.is_null()) return r;
  if (!n.is_map()) n.fail("expected a map of cleaning settings");
  if (n.has("range")) {
    const auto range = n.get<std::vector<double>>("range", {});
    if (range.size() != 2 || range[0] > range[1]) n.fail_at("range", "expected [min, max] with min <= max");
    r.min = range[0], r.max = range[1];
  } else {
    n.get<std::string>("range", "");
  }
  if (n.has("max_rate")) {
    r.max_rate = n.get<double>("max_rate", 0);
    if (*r.max_rate <= 0) n.fail_at("max_rate", "expected a positive change per second");
  } else {
    n.get<std::string>("max_rate", "");
  }
  r.interval_ms = duration(n, "interval", r.interval_ms, true);
  r.unit = n.get<std::string>("unit", r.unit);
  if (!r.unit.empty() && r.unit != "C" && r.unit != "F" && r.unit != "K" && r.unit != "other")
    n.fail_at("unit", "expected C, F, K or other, got '" + r.unit + "'");
  r.detect_units = n.get<bool>("detect_units", r.detect_units);
  r.dedup_tolerance_ms = duration(n, "dedup_tolerance", r.dedup_tolerance_ms);
  r.dedup_same_value = n.get<bool>("dedup_same_value", r.dedup_same_value);
  r.repair_timestamps = n.get<bool>("repair_timestamps", r.repair_timestamps);
  if (n.has("skew_tolerance")) r.skew_tolerance_ms = duration(n, "skew_tolerance", 0);
  else n.get<std::string>("skew_tolerance", "");
  r.fill_gaps = n.get<bool>("fill_gaps", r.fill_gaps);
  if (auto o = n.optional_child("outliers")) {
    if (!o->is_map()) o->fail("expected a map with hampel_window and hampel_threshold");
    r.hampel_window = o->get<int>("hampel_window", r.hampel_window);
    r.hampel_threshold = o->get<double>("hampel_threshold", r.hampel_threshold);
    if (r.hampel_window < 0) o->fail_at("hampel_window", "expected 0 (off) or a positive half-width");
    if (r.hampel_threshold <= 0) o->fail_at("hampel_threshold", "expected a positive number of MADs");
    o->finish();
  }
  r.stuck_run = n.get<int>("stuck_run", r.stuck_run);
  if (r.stuck_run < 0 || r.stuck_run == 1) n.fail_at("stuck_run", "expected 0 (off) or a run length of at least 2");
  r.stuck_to_missing = n.get<bool>("stuck_to_missing", r.stuck_to_missing);
  if (n.has("impute")) {
    const std::string m = n.get<std::string>("impute", "");
    if (!parse_impute_method(m, r.impute))
      n.fail_at("impute", "expected none, previous, linear, time_linear, seasonal or correlated, got '" + m + "'");
  } else {
    n.get<std::string>("impute", "");
  }
  r.max_gap_ms = duration(n, "max_gap", r.max_gap_ms);
  r.season_ms = duration(n, "season", r.season_ms);
  if (n.has("standardise")) {
    const std::string s = n.get<std::string>("standardise", "");
    if (s == "none") r.standardise = Standardise::none;
    else if (s == "zscore") r.standardise = Standardise::zscore;
    else if (s == "minmax") r.standardise = Standardise::minmax;
    else if (s == "robust") r.standardise = Standardise::robust;
    else n.fail_at("standardise", "expected none, zscore, minmax or robust, got '" + s + "'");
  } else {
    n.get<std::string>("standardise", "");
  }
  n.finish();
  return r;
}

}  // namespace

const SensorRule& Rules::rule_for(const std::string& sensor) const {
  auto it = sensors.find(sensor);
  return it == sensors.end() ? defaults : it->second;
}

Rules parse_rules(const ConfigNode& root) {
  Rules r;
  r.file = root.file();
  if (!root.is_map()) root.fail("expected a map with defaults, sensors, align and metrics");
  if (auto d = root.optional_child("defaults")) r.defaults = parse_sensor_rule(*d, r.defaults);
  if (auto s = root.optional_child("sensors")) {
    if (!s->is_map()) s->fail("expected a map from sensor name to its settings");
    for (const auto& name : s->keys()) r.sensors[name] = parse_sensor_rule(s->child(name), r.defaults);
    s->finish();
  }
  if (auto a = root.optional_child("align")) {
    if (!a->is_map()) a->fail("expected a map with grid and agg");
    r.align_ms = duration(*a, "grid", 0);
    const std::string agg = a->get<std::string>("agg", "mean");
    if (agg == "mean") r.align_agg = Aggregate::mean;
    else if (agg == "min") r.align_agg = Aggregate::min;
    else if (agg == "max") r.align_agg = Aggregate::max;
    else if (agg == "last") r.align_agg = Aggregate::last;
    else a->fail_at("agg", "expected mean, min, max or last, got '" + agg + "'");
    a->finish();
  }
  if (auto m = root.optional_child("metrics")) {
    if (!m->is_map()) m->fail("expected a map with window");
    r.metrics_window_ms = duration(*m, "window", r.metrics_window_ms);
    if (r.metrics_window_ms <= 0) m->fail_at("window", "expected a positive duration");
    m->finish();
  }
  root.finish();
  return r;
}

Rules load_rules(const std::string& path) { return parse_rules(ConfigNode::load_file(path)); }

}  // namespace xinzhi::clean
