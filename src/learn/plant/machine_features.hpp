// Features of each machine over time, from the warehouse's cleaned readings (clean_aligned, the
// machines' sensors on one time grid): for every sensor and window, the mean, deviation,
// minimum, maximum, last value and slope of the readings, over all readings and over those
// taken while the machine ran (wear shows in a running machine: a stopped one does not vibrate
// however worn), the drift of the running mean from its longest window, the rise (the running
// mean of the last day less the machine's healthy level after its last repair, see
// MachineFeatureSpec::baseline_ms); the hours since the machine's last maintenance or repair; and
// the count of its alarms in the last day. Taken every `step` on the clock.
//
// Causal by construction: one pass over the time-ordered readings with rolling windows
// (features/rolling_window.hpp), and a feature row at time t is emitted before any reading
// after t is pushed; maintenance, repairs and alarms count only when they happened at or
// before t. Nothing here reads the twin's truth.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/downtime_table.hpp"
#include "store/maintenance_log.hpp"
#include "store/predictions_table.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::learn {

struct MachineFeatureSpec {
  // The longest window is the machine's baseline, which the drift features compare the others with.
  std::vector<std::int64_t> windows_ms = {3'600'000, 8 * 3'600'000LL, 24 * 3'600'000LL, 72 * 3'600'000LL};
  std::int64_t step_ms = 3'600'000;  // one feature row per machine per hour
  std::string running_sensor = "speed";  // the machine runs while this sensor reads above 0
  // The machine's healthy level per sensor: its running mean over this long after its last repair
  // (or its first reading), which the rise features compare its last day with. Planned
  // maintenance does not reset it: it removes only part of the wear.
  std::int64_t baseline_ms = 24 * 3'600'000LL;
};

struct MachineFeatureRow {
  std::string machine;
  TimestampMs t = 0;
  std::vector<float> values;  // as MachineFeatures::names; NaN: no readings in the window
};

struct MachineFeatures {
  std::vector<std::string> names;
  std::vector<std::string> sensors;  // the sensors the names were built from, in order
  std::vector<MachineFeatureRow> rows;  // by machine, then time
};

// What the features know besides the readings: the plant's maintenance (planned windows), its
// maintenance log (breakdowns and repairs) and the detectors' alarms.
struct MachineEvents {
  std::vector<store::DowntimeWindow> maintenance;
  std::vector<store::Breakdown> breakdowns;
  std::vector<store::Alarm> alarms;
};
// alarm_rule: count only the alarms of this rule (empty: every alarm), so that a model counts the
// alarms of the detector it was trained with.
MachineEvents read_machine_events(store::Database& db, const std::string& alarm_rule = "");

// Feature names for these sensors (sorted), as machine_features() builds them.
std::vector<std::string> feature_names(const std::vector<std::string>& sensors, const MachineFeatureSpec& spec);

// Feature rows at every multiple of spec.step_ms in [from, to] (inclusive; 0, 0: the readings'
// whole range) for every machine with readings. sensors: the sensors to build features for
// (empty: every sensor the warehouse has); a model's list, when predicting.
MachineFeatures machine_features(store::Database& db, const MachineFeatureSpec& spec, const MachineEvents& events,
                                 TimestampMs from = 0, TimestampMs to = 0,
                                 const std::vector<std::string>& sensors = {});

}  // namespace xinzhi::learn
