// The twin's ground truth read back (the files twin_layout.hpp describes): the one reader every
// scorer uses, so that nothing else parses truth/. Open it on a simulated plant's folder or on
// its truth/ folder.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::twin {

// A row of truth/defects.csv, as written: times in true UTC (before the gateway's clock skew).
struct TruthDefect {
  std::string kind, gateway, machine, sensor;
  TimestampMs ts = 0, end = 0;  // end: the run's last sample (gap, stuck), else ts
  std::string detail;           // key=value;key=value
  std::string detail_value(const std::string& key) const;  // "" when absent
};

// A row of truth/failures.csv.
struct TruthFailure {
  std::string machine;
  TimestampMs start = 0, end = 0;
  std::string mode, component;
};

class PlantTruth {
 public:
  // A folder holding truth/ (and plant.json), or the truth/ folder itself. A folder without
  // truth/defects.csv is an InputError naming it.
  explicit PlantTruth(const std::string& folder);

  const std::string& truth_dir() const { return truth_dir_; }
  // truth/defects.csv (a malformed row is an InputError naming file:line).
  std::vector<TruthDefect> defects() const;
  std::vector<TruthFailure> failures() const;
  // Machine -> gateway (from plant.json, else from the defects' rows).
  std::map<std::string, std::string> gateway_of() const;
  // Gateway -> its clock's offset (landing minus true time, ms), for gateways with a skew.
  std::map<std::string, std::int64_t> clock_offsets() const;
  // Each sample of truth/signals.csv (the clean signal, true UTC, the sensor's standard unit);
  // samples without a value are left out.
  void for_each_signal(const std::function<void(TimestampMs, const std::string&, const std::string&, double)>& fn) const;

 private:
  std::string plant_dir_, truth_dir_;
};

}  // namespace xinzhi::twin
