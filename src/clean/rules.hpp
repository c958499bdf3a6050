// Cleaning rules: what each step does, per sensor type, read from a YAML file. Keys under
// `defaults` apply to every sensor; a `sensors.<name>` entry overrides them for that sensor.
// A wrong key or value is an InputError naming file:line:column and the key path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "clean/impute.hpp"

namespace xinzhi {
class ConfigNode;
}

namespace xinzhi::clean {

enum class Standardise { none, zscore, minmax, robust };
enum class Aggregate { mean, min, max, last };

std::string to_string(Standardise s);
std::string to_string(Aggregate a);

struct SensorRule {
  std::optional<double> min, max;     // valid range (in the normalised unit)
  std::optional<double> max_rate;     // largest plausible change per second
  std::int64_t interval_ms = 0;       // nominal interval; 0 = estimate (median of the gaps)
  std::string unit;                   // C, F, K, ... ("" = no unit normalisation)
  bool detect_units = true;           // look for rows in a wrong unit (°F or K where °C is expected)
  std::int64_t dedup_tolerance_ms = 0;  // rows of one series closer than this are duplicates
  bool dedup_same_value = true;       // ... only when their values are equal as well
  bool repair_timestamps = true;      // snap to the interval grid and correct clock skew
  std::int64_t skew_tolerance_ms = -1;  // a series' clock offset beyond this is skew; -1 = interval/10
  bool fill_gaps = true;              // insert grid rows for absent readings (then imputed)
  int hampel_window = 5;              // half-width of the Hampel filter (0 = off)
  double hampel_threshold = 4.0;      // in scaled MADs
  int stuck_run = 0;                  // this many equal values in a row are a stuck sensor (0 = off)
  bool stuck_to_missing = false;      // turn a stuck run (after its first value) into missing values
  ImputeMethod impute = ImputeMethod::correlated;
  std::int64_t max_gap_ms = 10 * 60 * 1000;  // longer gaps stay missing (0 = no limit)
  std::int64_t season_ms = 86400000;
  Standardise standardise = Standardise::zscore;
};

struct Rules {
  std::string file;
  SensorRule defaults;
  std::map<std::string, SensorRule> sensors;
  std::int64_t align_ms = 0;           // time grid of the wide table (0 = no alignment)
  Aggregate align_agg = Aggregate::mean;
  std::int64_t metrics_window_ms = 3600000;  // window of the per-window quality metrics

  const SensorRule& rule_for(const std::string& sensor) const;
};

Rules load_rules(const std::string& path);
Rules parse_rules(const ConfigNode& root);

// "250ms", "10s", "5m", "1h", "1d", "0" (a bare number is milliseconds). False when malformed.
bool parse_duration(const std::string& text, std::int64_t& ms);

}  // namespace xinzhi::clean
