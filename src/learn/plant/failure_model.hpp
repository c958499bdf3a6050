// The plant's failure model: from a warehouse's cleaned readings and maintenance log, two
// boosted models over the machine features (machine_features.hpp) — the probability that a
// machine breaks down within the horizon, and the hours until it does — trained on a
// time-ordered split (train, then validation for early stopping and the alarm threshold, then
// test; a gap of one horizon between them so that no label looks into the next part), with the
// class imbalance weighed. Saved as a model folder: the two XGBoost files, model.json (features,
// windows, horizon, threshold, the data range it learned from) and README.md, its card.
#pragma once

#include <map>

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "learn/boost/booster.hpp"
#include "learn/evaluate/calibration.hpp"
#include "learn/plant/machine_features.hpp"
#include "store/downtime_table.hpp"
#include "store/predictions_table.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::learn {

struct FailureModelOptions {
  MachineFeatureSpec features;
  std::vector<std::string> sensors;  // whose readings make features (empty: every sensor)
  double horizon_h = 48;     // "fails within the horizon"
  double cap_h = 96;         // hours to failure are capped here (further is "not soon")
  double valid_share = 0.2;  // of the time range, after training
  double test_share = 0.2;   // the last part of the time range
  BoostParams params;        // objective and metric are set per model
  // The maintenance the model's alarms call for: how long it takes. With the mean repair of the
  // log it sets the maintenance threshold (FailureModel::pm_threshold).
  double pm_hours = 4;
  // The machines' detector whose alarms (alarms_24h) the model counts: its threshold
  // (machine_alarms.hpp; run it on the warehouse first).
  double alarm_threshold = 0.9;
};

struct SplitMetrics {
  std::size_t rows = 0, positives = 0;
  double average_precision = 0, precision = 0, recall = 0, f1 = 0;  // at the model's threshold
  double brier = 0, mean_probability = 0;  // calibration: against positives / rows
  double rmse_h = 0, mae_h = 0;  // hours to failure, on rows with a failure within the cap
};

// rows, positives, the classification and calibration measures and the hours' errors, as JSON.
nlohmann::json split_metrics_json(const SplitMetrics& s);

struct FailureModel {
  std::string name;  // the folder's name
  MachineFeatureSpec spec;
  std::vector<std::string> sensors, features;
  double horizon_h = 48, cap_h = 96, threshold = 0.5;
  // When to maintain: the threshold with the most hours gained on validation, a true alarm saving
  // the mean repair (repair_h, from the training log) and every alarm costing pm_hours. Plans act
  // on it rather than on the F1 threshold, which weighs false alarms as if they cost nothing.
  double pm_threshold = 0.5, pm_hours = 4, repair_h = 0;
  // The 80% interval of the hours to failure: the 10th and 90th percentiles of (true - predicted)
  // on validation rows with a failure within the cap, added to a prediction.
  double ttf_low_h = 0, ttf_high_h = 0;
  double alarm_threshold = 0.9;  // of the machines' detector whose alarms it counts
  TimestampMs trained_from = 0, trained_to = 0;  // the feature rows it learned from (train + validation)
  Booster classifier, regressor;
  // The classifier is trained with failing rows weighed up (scale_pos_weight), which inflates its
  // scores; Platt scaling fitted on validation turns them back into frequencies, which the
  // schedule prices failures with. Thresholds are on the calibrated probability.
  PlattScaling calibration;
  std::vector<double> failure_probability(const Dataset& rows) const;
  SplitMetrics validation, test;
  int classifier_rounds = 0, regressor_rounds = 0;
  std::string command;  // how it was made, for the card

  void save(const std::string& dir) const;
  static FailureModel load(const std::string& dir);
};

// Trains on the warehouse (its clean_aligned readings, downtime windows, maintenance log and
// alarms). Throws InputError when the data cannot make a model: no rows, one class only, a
// horizon longer than the data.
FailureModel train_failure_model(store::Database& db, const FailureModelOptions& options, const std::string& name);

// Throws InputError, naming the sensor and the ones the warehouse has, when its cleaned readings
// lack one of the model's sensors: its features cannot be built there.
void check_model_sensors(const FailureModel& model, store::Database& db);

// The model measured on another warehouse's readings and maintenance log (a later period, another
// plant): every labelled feature row from `from` to `to` (0: the data's first or last), scored at
// the model's own threshold. Throws InputError when the sensors do not match, no row has a known
// outcome, or a feature is infinite.
SplitMetrics evaluate_failure_model(const FailureModel& model, store::Database& db, TimestampMs from = 0,
                                    TimestampMs to = 0);

// The model's predictions for every machine at time `at` (features from readings at or before
// it): failure_within (probability), time_to_failure_h and its 80% interval
// (time_to_failure_h_p10, time_to_failure_h_p90). Throws InputError when the
// warehouse's sensors do not match the model's features, or a feature is infinite.
std::vector<store::Prediction> predict_failures(const FailureModel& model, store::Database& db, TimestampMs at);

// One machine's predictions read back: the probability, the expected hours and their interval.
struct MachineRisk {
  double p = 0, hours = 0, low = 0, high = 0;
};
std::map<std::string, MachineRisk> machine_risks(const std::vector<store::Prediction>& predictions);

// Downtime the schedule should plan for: a preventive maintenance of pm_hours for each machine
// whose risk of failing within the horizon is at or above `threshold` (the model's pm_threshold
// when negative), starting at `at`. As early as the plan allows, because the
// failure may come at any time within the horizon: the expected hours to failure are far too
// uncertain to wait for (measured on the demo: 62 h expected, 11 h true).
std::vector<store::DowntimeWindow> preventive_windows(const FailureModel& model,
                                                      const std::vector<store::Prediction>& predictions,
                                                      TimestampMs at, double pm_hours, double threshold = -1);

}  // namespace xinzhi::learn
