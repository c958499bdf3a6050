// The learn stage's part of the run report: what the model is and how well it did, the risk of
// each machine at the prediction time (a chart and a table with the hours to failure and their
// interval, and where maintenance was planned), and the sensors the model saw for the machines
// most at risk, with the detector's anomaly score and alarms marked on them.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"
#include "learn/plant/failure_model.hpp"
#include "learn/plant/machine_alarms.hpp"
#include "store/assets_table.hpp"
#include "store/downtime_table.hpp"
#include "store/predictions_table.hpp"

namespace xinzhi::pipeline {

struct LearnReport {
  const learn::FailureModel* model = nullptr;
  const learn::MachineAlarmSummary* alarms = nullptr;  // the present's detector pass
  std::vector<store::Prediction> predictions;
  std::vector<store::DowntimeWindow> windows;  // the preventive maintenance planned
  std::vector<store::SensorInfo> sensors;      // the present warehouse's, for units
  TimestampMs predict_at = 0;
  double alarm_threshold = 0.9;
  std::size_t machines_charted = 4;
};

std::string learn_report_html(const LearnReport& report);

}  // namespace xinzhi::pipeline
