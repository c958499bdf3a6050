// `xinzhi learn train --db W -o MODEL_DIR [...]`: the plant's failure model
// (learn/plant/failure_model.hpp) from a warehouse's cleaned readings and maintenance log, as the
// pipeline's learn stage makes it: the machines' detector runs first (its alarms are a feature),
// then the two boosted models train on a time-ordered split and the model folder is written
// (failure_within.json, time_to_failure.json, model.json and README.md, its card, which records
// this command line). Progress goes to stderr; a short summary to stdout.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/learn_commands.hpp"
#include "cli/learn_model_common.hpp"
#include "core/error.hpp"
#include "learn/plant/failure_model.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

namespace fs = std::filesystem;

struct TrainOptions {
  std::string db, out, name;
  double horizon_h = 48, cap_h = 96, alarm_threshold = 0.9;
  std::vector<std::string> sensors;
  int rounds = 400, threads = 2;
  std::int64_t seed = 1;
  learn::BoostParams boost;  // tree depth, leaf weight, learning rate, sampling
};

// The model folder may be new, empty, or an earlier model (which it replaces); nothing else.
void check_model_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec)) throw InputError(dir, "exists and is not a folder (give a new folder for the model)");
  if (!fs::is_empty(dir, ec) && !fs::exists(fs::path(dir) / "model.json", ec))
    throw InputError(dir, "is a folder that holds files but no model.json: give a new or empty folder, or an "
                          "earlier model's folder to replace it");
}

std::string folder_name(const std::string& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

void run_train(const TrainOptions& o) {
  if (!(o.horizon_h > 0)) throw UsageError("--horizon-h must be positive");
  if (!(o.cap_h >= o.horizon_h)) throw UsageError("--cap-h must be at least --horizon-h");
  check_alarm_threshold(o.alarm_threshold);
  for (const auto& s : o.sensors)
    if (s.empty()) throw UsageError("--sensors: an empty sensor name");
  check_model_dir(o.out);

  store::Warehouse wh(o.db, /*create=*/false);
  const std::vector<std::string> have = cleaned_sensors(wh.db());
  for (const auto& s : o.sensors)
    if (!std::binary_search(have.begin(), have.end(), s))
      throw InputError("--sensors", fmt::format("{} has no cleaned readings of sensor '{}' (it has {})", o.db, s,
                                                fmt::join(have, ", ")));

  learn::FailureModelOptions options;
  options.sensors = o.sensors;
  options.horizon_h = o.horizon_h;
  options.cap_h = o.cap_h;
  options.params = o.boost;
  options.params.rounds = o.rounds;
  options.params.threads = o.threads;
  options.params.seed = static_cast<std::uint64_t>(o.seed);
  options.alarm_threshold = o.alarm_threshold;

  const learn::MachineAlarmSummary alarms = detect_alarms(wh.db(), o.sensors, o.alarm_threshold);
  learn::FailureModel model =
      learn::train_failure_model(wh.db(), options, o.name.empty() ? folder_name(o.out) : o.name);
  model.command = quoted_command_line();
  model.save(o.out);

  std::string text = fmt::format(
      "trained {}: {} features per machine and hour from {} sensors ({}), feature rows from {} to {} for "
      "training and validation\n",
      model.name, model.features.size(), model.sensors.size(), fmt::join(model.sensors, ", "),
      format_iso8601(model.trained_from), format_iso8601(model.trained_to));
  text += fmt::format("  alarms: {} from the machines' detector over {} time steps (rule {}), a feature\n",
                      alarms.alarms, alarms.steps, alarms.rule);
  text += fmt::format("  rounds: failure_within {}, time_to_failure {} (at most {}, early stopping on validation)\n",
                      model.classifier_rounds, model.regressor_rounds, o.rounds);
  text += fmt::format("  target: failure within {:g} h; hours to failure capped at {:g} h\n", model.horizon_h,
                      model.cap_h);
  text += metrics_header();
  text += metrics_row("validation", model.validation);
  text += metrics_row("test", model.test);
  text += fmt::format("  alarm threshold {:.3f} (the best F1 on validation)\n", model.threshold);
  if (model.test.positives == 0)
    text += fmt::format("  warning: the test part has no failing row (no failure within {:g} h of one), so its "
                        "metrics measure nothing\n",
                        model.horizon_h);
  text += fmt::format("wrote {}: failure_within.json, time_to_failure.json, model.json, README.md\n", o.out);
  std::cout << text << std::flush;
}

}  // namespace

void add_learn_train_command(CLI::App& learn) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* train = learn.add_subcommand(
      "train",
      "Train the failure model on a warehouse's cleaned readings and maintenance log: runs the machines' anomaly "
      "detector (its alarms are a feature), then two boosted models (P(failure within the horizon), hours to "
      "failure); writes the model folder with its card");
  train->add_option("--db", o->db, "Warehouse with cleaned readings (`xinzhi clean`) and a maintenance log")->required();
  train->add_option("-o,--out", o->out,
                    "Model folder to write (new, empty, or an earlier model's): failure_within.json, "
                    "time_to_failure.json, model.json, README.md")
      ->required();
  train->add_option("--name", o->name, "The model's name, in its card and in the predictions (default: the folder's name)");
  train->add_option("--horizon-h", o->horizon_h, "Predict failures within this many hours (the data must span three)")
      ->capture_default_str();
  train->add_option("--cap-h", o->cap_h, "Hours to failure are capped here (at least --horizon-h)")->capture_default_str();
  train->add_option("--sensors", o->sensors,
                    "The sensors whose readings make features, comma-separated (default: every cleaned sensor)")
      ->delimiter(',');
  train->add_option("--rounds", o->rounds, "At most this many trees per model (early stopping on validation)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  train->add_option("--threads", o->threads, "XGBoost threads")->check(CLI::Range(1, 256))->capture_default_str();
  train->add_option("--seed", o->seed, "Random seed (row and column sampling)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--max-depth", o->boost.max_depth, "Depth of each tree")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  train->add_option("--min-child-weight", o->boost.min_child_weight,
                    "Least weight (rows, weighed) in a leaf: larger is more conservative")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--eta", o->boost.eta, "Learning rate")->check(CLI::Range(1e-4, 1.0))->capture_default_str();
  train->add_option("--subsample", o->boost.subsample, "Share of rows each tree sees")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  train->add_option("--colsample", o->boost.colsample_bytree, "Share of features each tree sees")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  train->add_option("--alarm-threshold", o->alarm_threshold,
                    "The machines' detector raises an alarm where its score reaches this (in (0, 1])")
      ->capture_default_str();
  train->callback([o] { run_train(*o); });
}

}  // namespace xinzhi::cli
