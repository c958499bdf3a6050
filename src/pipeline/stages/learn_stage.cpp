// The learn stage: the plant's failure model, trained on its history and used on the present.
// The history is the plant's past (here a longer run of the twin with another seed, ending
// where the present begins, exported at a historian's coarser resolution, standing for last
// quarter's data): ingested and cleaned into a warehouse of its own (history/warehouse.db in
// the run folder), never the period being planned. The model (models/<name>/ with its card)
// then predicts, from the present warehouse's readings up to `predict_at`, each machine's risk
// of breaking down within the horizon and the hours until it does; the predictions go to the
// warehouse's predictions table and, where the risk is over the model's threshold, a
// preventive maintenance window before the expected failure goes to its downtime windows
// (kind "predicted"), which the schedule stage plans around. The twin's truth is not read.
#include <filesystem>

#include <fmt/format.h>

#include "acquire/plant_folder.hpp"
#include "clean/cleaner.hpp"
#include "clean/default_rules.hpp"
#include "clean/rules.hpp"
#include "core/error.hpp"
#include "core/html.hpp"
#include "core/time.hpp"
#include "learn/plant/failure_model.hpp"
#include "learn/plant/machine_alarms.hpp"
#include "pipeline/stages/learn_report.hpp"
#include "pipeline/stages/stages.hpp"
#include "store/assets_table.hpp"
#include "store/downtime_table.hpp"
#include "store/predictions_table.hpp"
#include "twin/plant_config.hpp"
#include "twin/plant_simulator.hpp"

namespace xinzhi::pipeline {

namespace fs = std::filesystem;

namespace {

class LearnStage : public Stage {
 public:
  explicit LearnStage(const ConfigNode& s) {
    const ConfigNode h = s.child("history");
    // An existing warehouse of the plant's past (cleaned), instead of a twin run made here.
    history_warehouse_ = h.get<std::string>("warehouse", "");
    plant_ = h.get<std::string>("plant", "");
    if (!history_warehouse_.empty() && (h.has("plant") || h.has("days") || h.has("seed") || h.has("sample_s")))
      h.fail_at("warehouse", "takes the history from a warehouse: plant, days, seed and sample_s make a twin run instead");
    history_days_ = h.get<int>("days", 28);
    history_seed_ = h.get<std::int64_t>("seed", 7);
    sample_s_ = h.get<int>("sample_s", 0);
    if (sample_s_ < 0) h.fail_at("sample_s", "must not be negative");
    if (history_days_ < 1) h.fail_at("days", "must be at least 1");
    h.finish();
    rules_ = s.get<std::string>("rules", "");
    // The sensors whose readings make features (default: all). Ambient ones such as humidity
    // follow the weather, not the machine's condition, and only teach a model coincidences.
    options_.sensors = s.get<std::vector<std::string>>("sensors", {});
    name_ = s.get<std::string>("model", "failure-risk");
    options_.horizon_h = s.get<double>("horizon_h", 48);
    options_.cap_h = s.get<double>("cap_h", 96);
    options_.params.threads = s.get<int>("threads", 2);
    options_.params.seed = static_cast<std::uint64_t>(s.get<std::int64_t>("seed", 1));
    options_.params.rounds = s.get<int>("rounds", 400);
    options_.params.max_depth = s.get<int>("max_depth", options_.params.max_depth);
    options_.params.min_child_weight = s.get<double>("min_child_weight", options_.params.min_child_weight);
    options_.params.eta = s.get<double>("eta", options_.params.eta);
    if (options_.params.max_depth < 1) s.fail_at("max_depth", "must be at least 1");
    if (!(options_.params.eta > 0 && options_.params.eta <= 1)) s.fail_at("eta", "must be in (0, 1]");
    const std::string at = s.require<std::string>("predict_at");
    const auto t = parse_iso8601(at);
    if (!t) s.fail_at("predict_at", fmt::format("'{}' is not an ISO-8601 time", at));
    predict_at_ = *t;
    pm_hours_ = s.get<double>("pm_hours", 4);
    options_.pm_hours = pm_hours_;
    alarm_threshold_ = s.get<double>("alarm_threshold", 0.9);
    options_.alarm_threshold = alarm_threshold_;
    if (!(alarm_threshold_ > 0 && alarm_threshold_ <= 1)) s.fail_at("alarm_threshold", "must be in (0, 1]");
    if (options_.horizon_h <= 0) s.fail_at("horizon_h", "must be positive");
    if (options_.cap_h < options_.horizon_h) s.fail_at("cap_h", "must be at least horizon_h");
    if (pm_hours_ <= 0) s.fail_at("pm_hours", "must be positive");
    s.finish();
  }
  std::string name() const override { return "learn"; }
  std::string title() const override { return "Learn: failure risk from the sensors"; }

  StageResult run(RunContext& ctx) override {
    const fs::path dir = ctx.run_dir / "history";
    twin::SimulationSummary sim;
    std::string history_path = history_warehouse_.empty() ? (dir / "warehouse.db").string()
                                                          : ctx.resolve(history_warehouse_).string();
    if (history_warehouse_.empty()) {
      // The history: the twin's plant, ending where the present begins.
      twin::PlantConfig plant = plant_.empty() ? twin::parse_plant_config("{}", "<defaults>")
                                               : twin::load_plant_config(ctx.resolve(plant_).string());
      const TimestampMs present_start = plant.start;
      twin::PlantOverrides ov;
      ov.days = history_days_;
      ov.seed = static_cast<std::uint64_t>(history_seed_);
      if (sample_s_ > 0) ov.sample_s = sample_s_;
      twin::apply_overrides(plant, ov);
      plant.start = present_start - static_cast<TimestampMs>(history_days_) * 86'400'000;
      fs::create_directories(dir);
      sim = twin::simulate_plant(plant, (dir / "plant").string(), false);
      store::Warehouse fresh(history_path);
      acquire::ingest_plant_folder(fresh, (dir / "plant").string(), acquire::IngestOptions{});
      const clean::Rules rules = rules_.empty() ? clean::default_rules(store::read_sensors(fresh.db()))
                                                : clean::load_rules(ctx.resolve(rules_).string());
      clean::run_cleaning(fresh, rules);
    } else if (!fs::exists(history_path)) {
      throw InputError("learn.history.warehouse", fmt::format("{} does not exist", history_path));
    }
    store::Warehouse history(history_path);

    // The machines' detector over the history first: its alarms are a feature.
    learn::MachineAlarmOptions alarm_options;
    alarm_options.sensors = options_.sensors;
    alarm_options.threshold = alarm_threshold_;
    learn::detect_machine_alarms(history.db(), alarm_options);
    learn::FailureModel model = learn::train_failure_model(history.db(), options_, name_);
    model.command = fmt::format("xinzhi run <pipeline> (learn stage: history {} days, seed {}, sample_s {}; "
                                "horizon_h {}, cap_h {}, rounds {}, seed {}, threads {})",
                                history_days_, history_seed_, sample_s_, options_.horizon_h, options_.cap_h,
                                options_.params.rounds, options_.params.seed, options_.params.threads);
    const fs::path model_dir = ctx.run_dir / "models" / name_;
    model.save(model_dir.string());

    // The present: risk at predict_at, and preventive maintenance where it is high.
    auto& db = ctx.warehouse->db();
    const learn::MachineAlarmSummary alarms = learn::detect_machine_alarms(db, alarm_options);
    const auto preds = learn::predict_failures(model, db, predict_at_);
    store::write_predictions(db, preds);
    const auto windows = learn::preventive_windows(model, preds, predict_at_, pm_hours_);
    store::replace_downtime(db, name_, windows);

    StageResult r;
    auto& m = r.metrics;
    if (history_warehouse_.empty())
      m["history"] = {{"days", history_days_}, {"seed", history_seed_}, {"sample_s", sample_s_},
                      {"readings", sim.readings}, {"failures", sim.failures}};
    else
      m["history"] = {{"warehouse", history_path}};
    m["model"] = model_dir.string();
    m["features"] = model.features.size();
    m["threshold"] = model.threshold;
    m["pm_threshold"] = model.pm_threshold;
    m["repair_h"] = model.repair_h;
    m["validation"] = learn::split_metrics_json(model.validation);
    m["test"] = learn::split_metrics_json(model.test);
    m["predict_at"] = format_iso8601(predict_at_);
    m["preventive_windows"] = windows.size();
    m["alarms"] = {{"rule", alarms.rule}, {"count", alarms.alarms}, {"steps_scored", alarms.steps}};

    auto& html = r.html;
    const std::string learned =
        fmt::format("The model <code>models/{}</code> ({} features per machine and hour; see its README.md) learned "
                    "from {} to {}.",
                    name_, model.features.size(), format_iso8601(model.trained_from).substr(0, 10),
                    format_iso8601(model.trained_to).substr(0, 10));
    if (history_warehouse_.empty())
      html += fmt::format(
          "<p>History: {} days of the plant before the present (twin seed {}, readings every {} s or slower: {} "
          "readings, {} breakdowns in its maintenance log), ingested and cleaned into "
          "<code>history/warehouse.db</code>. {}</p>",
          history_days_, history_seed_, sample_s_, sim.readings, sim.failures, learned);
    else
      html += fmt::format("<p>History: the cleaned readings and maintenance log of <code>{}</code>. {}</p>",
                          html::escape(history_path), learned);
    auto split_row = [](const char* part, const learn::SplitMetrics& s) {
      return std::vector<std::string>{part, std::to_string(s.rows), std::to_string(s.positives),
                                      fmt::format("{:.3f}", s.mean_probability), fmt::format("{:.3f}", s.brier),
                                      fmt::format("{:.3f}", s.average_precision), fmt::format("{:.3f}", s.precision),
                                      fmt::format("{:.3f}", s.recall), fmt::format("{:.3f}", s.f1),
                                      fmt::format("{:.1f}", s.rmse_h)};
    };
    html += html::table({"part", "#rows", "#failing", "#mean probability", "#Brier", "#average precision", "#precision",
                         "#recall", "#F1", "#RMSE (h)"},
                        {split_row("validation", model.validation), split_row("test", model.test)});
    html += fmt::format("<p>The machines' multivariate anomaly detector scored {} time steps of the present and "
                        "raised {} alarms (score at least {}, one per excursion), now in the warehouse's alarms "
                        "table; a machine's alarms of the last day are one of the model's features.</p>",
                        alarms.steps, alarms.alarms, alarm_threshold_);
    LearnReport report;
    report.model = &model;
    report.alarms = &alarms;
    report.predictions = preds;
    report.windows = windows;
    report.sensors = store::read_sensors(db);
    report.predict_at = predict_at_;
    report.alarm_threshold = alarm_threshold_;
    html += learn_report_html(report);
    r.summary = fmt::format("{} features; test average precision {:.3f}, F1 {:.3f}; {} machines over the maintenance threshold at {}",
                            model.features.size(), model.test.average_precision, model.test.f1, windows.size(),
                            format_iso8601(predict_at_).substr(0, 16));
    return r;
  }

 private:
  std::string plant_, rules_, name_, history_warehouse_;
  int history_days_ = 28, sample_s_ = 300;
  std::int64_t history_seed_ = 7;
  learn::FailureModelOptions options_;
  TimestampMs predict_at_ = 0;
  double pm_hours_ = 4, alarm_threshold_ = 0.9;
};

}  // namespace

std::unique_ptr<Stage> make_learn_stage(const ConfigNode& settings) { return std::make_unique<LearnStage>(settings); }

}  // namespace xinzhi::pipeline
