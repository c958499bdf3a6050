// Alarms of each machine's multivariate detector (anomaly/machine_detector.hpp) over the
// warehouse's cleaned readings: the detector scores every time step of a machine's sensors, and
// an alarm opens where the score first reaches the threshold after at least `rest` below it
// (one alarm per excursion, not one per step). The alarms replace the rule's earlier ones in the
// warehouse's alarms table; the failure model counts a machine's recent alarms as a feature.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/predictions_table.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::learn {

struct MachineAlarmOptions {
  double threshold = 0.9;
  std::int64_t rest_ms = 3'600'000;  // below the threshold this long before a new alarm
  std::vector<std::string> sensors;  // the sensors the detector sees (empty: all)
};

// One machine's hours, for charts: per hour on the clock, the highest anomaly score and each
// sensor's mean (NaN: no reading that hour).
struct MachineTrace {
  std::vector<TimestampMs> hour;
  std::vector<double> max_score;
  std::vector<std::vector<double>> sensor_mean;  // [sensor][hour], sensors as MachineAlarmSummary::sensors
};

struct MachineAlarmSummary {
  std::size_t steps = 0, alarms = 0, machines = 0;
  std::string rule;
  std::vector<std::string> sensors;
  std::map<std::string, MachineTrace> traces;  // by machine
  std::vector<store::Alarm> opened;            // the alarms written
};

// The rule name of the machines' detector at a threshold: "machine>0.9".
std::string machine_alarm_rule(double threshold);

// Scores the warehouse's clean_aligned readings and writes the alarms (rule machine_alarm_rule).
MachineAlarmSummary detect_machine_alarms(store::Database& db, const MachineAlarmOptions& options);

}  // namespace xinzhi::learn
