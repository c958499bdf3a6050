// `xinzhi learn eval --model DIR --db W [--from T] [--to T] [--json]`: a failure model measured
// on a warehouse's cleaned readings and maintenance log (a later period, another plant, or the
// training warehouse's own test part): every feature row with a known outcome in the range,
// scored at the model's threshold. As in training, the machines' detector first makes the
// alarms the features count (unless --keep-alarms).
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/learn_commands.hpp"
#include "cli/learn_model_common.hpp"
#include "core/error.hpp"
#include "learn/plant/failure_model.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

struct EvalOptions {
  std::string model, db, from, to;
  bool json = false, keep_alarms = false;
};

void run_eval(const EvalOptions& o) {
  const TimestampMs from = o.from.empty() ? 0 : parse_time_option("--from", o.from);
  const TimestampMs to = o.to.empty() ? 0 : parse_time_option("--to", o.to);
  if (from != 0 && to != 0 && from > to) throw InputError("--from", fmt::format("{} is after --to {}", o.from, o.to));
  const learn::FailureModel model = learn::FailureModel::load(o.model);
  store::Warehouse wh = o.keep_alarms ? store::Warehouse::open_read_only(o.db) : store::Warehouse(o.db, false);
  if (!o.keep_alarms) {
    require_model_sensors(wh.db(), model);
    detect_alarms(wh.db(), model.sensors, model.alarm_threshold);
  }
  const learn::SplitMetrics s = learn::evaluate_failure_model(model, wh.db(), from, to);

  if (o.json) {
    nlohmann::json j = {{"model", model.name},
                              {"db", o.db},
                              {"from", from ? nlohmann::json(format_iso8601(from)) : nlohmann::json(nullptr)},
                              {"to", to ? nlohmann::json(format_iso8601(to)) : nlohmann::json(nullptr)},
                              {"horizon_h", model.horizon_h},
                              {"cap_h", model.cap_h},
                              {"threshold", model.threshold}};
    j.update(learn::split_metrics_json(s));
    std::cout << j.dump(2) << "\n" << std::flush;
    return;
  }
  std::string text = fmt::format("model {} on {}, feature rows from {} to {}:\n", model.name, o.db,
                                 from ? format_iso8601(from) : std::string("the data's first"),
                                 to ? format_iso8601(to) : std::string("the data's last"));
  text += fmt::format("  rows               {}\n", s.rows);
  text += fmt::format("  failing rows       {}   (a failure within {:g} h)\n", s.positives, model.horizon_h);
  text += fmt::format("  mean probability   {:.3f}   (calibrated; against {:.3f} failing)\n", s.mean_probability,
                      s.rows ? static_cast<double>(s.positives) / static_cast<double>(s.rows) : 0.0);
  text += fmt::format("  Brier score        {:.4f}\n", s.brier);
  text += fmt::format("  average precision  {:.3f}\n", s.average_precision);
  text += fmt::format("  precision          {:.3f}   (at the model's alarm threshold {:.3f})\n", s.precision,
                      model.threshold);
  text += fmt::format("  recall             {:.3f}\n", s.recall);
  text += fmt::format("  F1                 {:.3f}\n", s.f1);
  text += fmt::format("  RMSE (h)           {:.2f}   (hours to failure, on rows with a failure within {:g} h)\n",
                      s.rmse_h, model.cap_h);
  text += fmt::format("  MAE (h)            {:.2f}\n", s.mae_h);
  std::cout << text << std::flush;
}

}  // namespace

void add_learn_eval_command(CLI::App& learn) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* eval = learn.add_subcommand(
      "eval",
      "Measure a failure model on a warehouse: average precision, precision, recall and F1 at the model's "
      "threshold, RMSE and MAE of the hours to failure, over the feature rows with a known outcome");
  eval->add_option("--model", o->model, "Model folder (`xinzhi learn train -o`)")->required();
  eval->add_option("--db", o->db, "Warehouse with cleaned readings and a maintenance log")->required();
  eval->add_option("--from", o->from, "First feature time, ISO-8601 (default: the data's first)");
  eval->add_option("--to", o->to, "Last feature time, ISO-8601 (default: the data's last)");
  eval->add_flag("--json", o->json, "Print the metrics as JSON (the keys of model.json's validation and test)");
  eval->add_flag("--keep-alarms", o->keep_alarms,
                 "Count the alarms already in the warehouse instead of running the detector (opens it read-only)");
  eval->callback([o] { run_eval(*o); });
}

}  // namespace xinzhi::cli
