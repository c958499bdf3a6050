// `xinzhi learn predict --model DIR --db W --at T [--write] [--pm-hours 4]`: each machine's risk
// of breaking down within the model's horizon and its expected hours to failure, from the
// features at T (readings at or before it), the hours to failure with their 80% interval, and
// whether the risk reaches the model's maintenance threshold.
// --write stores the predictions (each with the model's name and the range it was trained on)
// in the predictions table, and a preventive maintenance window of --pm-hours from T for each
// machine at risk in the downtime windows (kind "predicted", source the model's name, replacing
// that model's earlier ones), which `xinzhi schedule --db` plans around. As in training, the
// machines' detector first makes the alarms the features count (unless --keep-alarms).
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli/learn_commands.hpp"
#include "cli/learn_model_common.hpp"
#include "core/error.hpp"
#include "learn/plant/failure_model.hpp"
#include "store/downtime_table.hpp"
#include "store/predictions_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

struct PredictOptions {
  std::string model, db, at;
  bool write = false, keep_alarms = false;
  double pm_hours = 4;
};

void run_predict(const PredictOptions& o) {
  if (!(o.pm_hours > 0)) throw UsageError("--pm-hours must be positive");
  const TimestampMs at = parse_time_option("--at", o.at);
  const learn::FailureModel model = learn::FailureModel::load(o.model);
  const bool read_only = o.keep_alarms && !o.write;
  store::Warehouse wh = read_only ? store::Warehouse::open_read_only(o.db) : store::Warehouse(o.db, false);
  if (!o.keep_alarms) {
    require_model_sensors(wh.db(), model);
    detect_alarms(wh.db(), model.sensors, model.alarm_threshold);
  }
  const auto preds = learn::predict_failures(model, wh.db(), at);
  const auto windows = learn::preventive_windows(model, preds, at, o.pm_hours);

  const auto by = learn::machine_risks(preds);
  const TimestampMs tick = preds.empty() ? at : preds.front().ts;
  std::string text = fmt::format(
      "model {} at {}{}: risk of a failure within {:g} h (maintenance threshold {:.3f}; alarm threshold {:.3f}, the "
      "best F1)\n",
      model.name, format_iso8601(tick), tick != at ? fmt::format(" (the feature time at or before {})", o.at) : std::string(),
      model.horizon_h, model.pm_threshold, model.threshold);
  text += fmt::format("  {:<10} {:>11} {:>14} {:>17} {}\n", "machine", "probability", "expected hours", "80% interval (h)",
                      "maintain");
  for (const auto& [machine, k] : by)
    text += fmt::format("  {:<10} {:>11.3f} {:>14.1f} {:>17} {}\n", machine, k.p, k.hours,
                        fmt::format("{:.0f} to {:.0f}", k.low, k.high), k.p >= model.pm_threshold ? "yes" : "no");
  text += fmt::format("  {} of {} machines at risk\n", windows.size(), by.size());
  if (o.write) {
    store::write_predictions(wh.db(), preds);
    store::replace_downtime(wh.db(), model.name, windows);
    text += fmt::format("wrote {} predictions (model {}, trained on feature rows from {} to {}) and {} preventive "
                        "maintenance windows of {:g} h from {} (kind predicted, source {}) to {}\n",
                        preds.size(), model.name, format_iso8601(model.trained_from), format_iso8601(model.trained_to),
                        windows.size(), o.pm_hours, format_iso8601(at), model.name, o.db);
  }
  std::cout << text << std::flush;
}

}  // namespace

void add_learn_predict_command(CLI::App& learn) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* predict = learn.add_subcommand(
      "predict",
      "Each machine's risk of failing within the model's horizon and its expected hours to failure at a time; "
      "--write stores them (with the model and its training range) and preventive maintenance windows for the "
      "machines at risk in the warehouse");
  predict->add_option("--model", o->model, "Model folder (`xinzhi learn train -o`)")->required();
  predict->add_option("--db", o->db, "Warehouse with cleaned readings up to --at")->required();
  predict->add_option("--at", o->at, "When, ISO-8601 (features from the readings at or before it)")->required();
  predict->add_flag("--write", o->write,
                    "Store the predictions in the predictions table and the preventive windows in downtime_windows "
                    "(replacing this model's earlier windows)");
  predict->add_option("--pm-hours", o->pm_hours, "Length of a preventive maintenance window")->capture_default_str();
  predict->add_flag("--keep-alarms", o->keep_alarms,
                    "Count the alarms already in the warehouse instead of running the detector (without --write: "
                    "opens it read-only)");
  predict->callback([o] { run_predict(*o); });
}

}  // namespace xinzhi::cli
