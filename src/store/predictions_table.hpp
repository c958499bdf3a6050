// The sensor models' output in the warehouse: predictions (each naming its model and the data
// range that model was trained on) and the anomaly detectors' alarms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct Prediction {
  std::string model;                     // the model folder's name
  TimestampMs trained_from = 0, trained_to = 0;
  std::string machine;
  TimestampMs ts = 0;                    // when the features were taken
  std::string target;                    // failure_within, time_to_failure_h, ...
  double value = 0;
  std::int64_t horizon_ms = 0;
};

struct Alarm {
  std::string machine, sensor;  // sensor "": the machine's multivariate detector
  TimestampMs ts = 0;
  double score = 0;
  std::string rule;             // e.g. "streaming>0.99"
  std::string state = "open";   // open, acknowledged, cleared
};

// Replaces the model's predictions at these times (one transaction).
void write_predictions(Database& db, const std::vector<Prediction>& predictions);
std::vector<Prediction> read_predictions(Database& db, const std::string& model = "");
// Makes the alarms of `rule` these (one transaction): new ones are added, those no longer raised
// are removed, and those raised again keep their state (acknowledged, cleared) and its author.
void replace_alarms(Database& db, const std::string& rule, const std::vector<Alarm>& alarms);
std::vector<Alarm> read_alarms(Database& db);

}  // namespace xinzhi::store
