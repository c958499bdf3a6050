#include "learn/plant/failure_model.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/progress.hpp"
#include "learn/evaluate/metrics.hpp"
#include "learn/plant/failure_labels.hpp"
#include "learn/plant/machine_alarms.hpp"
#include "store/clean_tables.hpp"

namespace xinzhi::learn {

namespace fs = std::filesystem;

namespace {

constexpr double kHourMs = 3'600'000.0;

struct Labelled {
  Dataset cls, reg;  // same rows; labels 0/1 and hours to failure
  std::vector<TimestampMs> t;
};

Labelled label_rows(const MachineFeatures& f, const FailureLabeler& labeler, const std::vector<std::size_t>& order) {
  Labelled out;
  out.cls.features = out.reg.features = f.names;
  for (std::size_t i : order) {
    const auto& row = f.rows[i];
    const FailureLabel l = labeler.at(row.machine, row.t);
    if (!l.usable) continue;
    for (float v : row.values)
      if (std::isinf(v)) throw InputError(row.machine, fmt::format("a feature at {} is infinite", format_iso8601(row.t)));
    out.cls.add(row.values, l.fails_within ? 1.f : 0.f);
    out.reg.add(row.values, static_cast<float>(l.hours_to_failure));
    out.t.push_back(row.t);
  }
  return out;
}

// Rows [begin, end) of the time-ordered rows whose time lies in [from, to).
std::pair<std::size_t, std::size_t> rows_between(const std::vector<TimestampMs>& t, TimestampMs from, TimestampMs to) {
  const auto b = std::lower_bound(t.begin(), t.end(), from) - t.begin();
  const auto e = std::lower_bound(t.begin(), t.end(), to) - t.begin();
  return {static_cast<std::size_t>(b), static_cast<std::size_t>(std::max(b, e))};
}

SplitMetrics measure(const FailureModel& m, const Dataset& cls, const Dataset& reg) {
  SplitMetrics s;
  s.rows = cls.rows();
  if (s.rows == 0) return s;
  const std::vector<double> score = m.failure_probability(cls);
  std::vector<int> truth;
  for (float y : cls.y) truth.push_back(y > 0.5f ? 1 : 0);
  s.positives = static_cast<std::size_t>(std::count(truth.begin(), truth.end(), 1));
  s.average_precision = average_precision(score, truth);
  s.brier = brier_score(score, truth);
  for (double v : score) s.mean_probability += v / static_cast<double>(score.size());
  const BinaryCounts c = binary_counts(score, truth, m.threshold);
  s.precision = c.precision();
  s.recall = c.recall();
  s.f1 = c.f1();
  const auto h = m.regressor.predict(reg);
  std::vector<double> ph, th;
  for (std::size_t i = 0; i < reg.rows(); ++i)
    if (reg.y[i] < m.cap_h) {
      ph.push_back(h[i]);
      th.push_back(reg.y[i]);
    }
  if (!ph.empty()) {
    s.rmse_h = rmse(ph, th);
    s.mae_h = mae(ph, th);
  }
  return s;
}

}  // namespace

nlohmann::json split_metrics_json(const SplitMetrics& s) {
  return {{"rows", s.rows},           {"positives", s.positives}, {"average_precision", s.average_precision},
          {"precision", s.precision}, {"recall", s.recall},       {"f1", s.f1},
          {"rmse_h", s.rmse_h},       {"mae_h", s.mae_h},         {"brier", s.brier},
          {"mean_probability", s.mean_probability}};
}

namespace {

SplitMetrics split_from(const nlohmann::json& j) {
  SplitMetrics s;
  s.rows = j.value("rows", 0u);
  s.positives = j.value("positives", 0u);
  s.average_precision = j.value("average_precision", 0.0);
  s.precision = j.value("precision", 0.0);
  s.recall = j.value("recall", 0.0);
  s.f1 = j.value("f1", 0.0);
  s.rmse_h = j.value("rmse_h", 0.0);
  s.mae_h = j.value("mae_h", 0.0);
  s.brier = j.value("brier", 0.0);
  s.mean_probability = j.value("mean_probability", 0.0);
  return s;
}

// The first of `wanted` that the warehouse's cleaned readings lack, with the sensors they have.
std::optional<std::string> missing_sensor(store::Database& db, const std::vector<std::string>& wanted,
                                          std::vector<std::string>& have) {
  have = store::clean_aligned_sensors(db);
  for (const auto& s : wanted)
    if (!std::binary_search(have.begin(), have.end(), s)) return s;
  return std::nullopt;
}

}  // namespace

void check_model_sensors(const FailureModel& m, store::Database& db) {
  std::vector<std::string> have;
  if (const auto s = missing_sensor(db, m.sensors, have))
    throw InputError(db.path(), fmt::format("the model {} needs sensor '{}', which the warehouse's cleaned readings "
                                            "do not have (they have {}): its features do not match the data",
                                            m.name, *s, fmt::join(have, ", ")));
}

FailureModel train_failure_model(store::Database& db, const FailureModelOptions& o, const std::string& name) {
  std::vector<std::string> have;
  if (const auto s = missing_sensor(db, o.sensors, have))
    throw InputError(db.path(), fmt::format("no cleaned readings of sensor '{}' to learn from (the warehouse has {})",
                                            *s, fmt::join(have, ", ")));
  const MachineEvents events = read_machine_events(db, machine_alarm_rule(o.alarm_threshold));
  const MachineFeatures f = machine_features(db, o.features, events, 0, 0, o.sensors);
  if (f.rows.empty()) throw InputError(db.path(), "no cleaned readings to learn from (run `xinzhi clean` first)");
  std::vector<std::size_t> order(f.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return f.rows[a].t < f.rows[b].t; });
  const TimestampMs first = f.rows[order.front()].t, last = f.rows[order.back()].t;
  const double span_h = static_cast<double>(last - first) / kHourMs;
  if (span_h < 3 * o.horizon_h)
    throw InputError(db.path(), fmt::format("the readings span {:.0f} h, too short for a {:.0f} h horizon (at least "
                                            "three horizons are needed: training, validation and test)",
                                            span_h, o.horizon_h));
  const FailureLabeler labeler(events.breakdowns, last, o.horizon_h, o.cap_h);
  const Labelled all = label_rows(f, labeler, order);
  if (all.cls.rows() == 0) throw InputError(db.path(), "no feature rows with a known outcome (is the maintenance log empty?)");

  // Time-ordered parts with a gap of one horizon between them.
  const auto gap = static_cast<TimestampMs>(o.horizon_h * kHourMs);
  const auto span = static_cast<double>(last - first);
  const TimestampMs valid_at = first + static_cast<TimestampMs>(span * (1 - o.valid_share - o.test_share));
  const TimestampMs test_at = first + static_cast<TimestampMs>(span * (1 - o.test_share));
  const auto [tb, te] = rows_between(all.t, first, valid_at - gap);
  const auto [vb, ve] = rows_between(all.t, valid_at, test_at - gap);
  const auto [sb, se] = rows_between(all.t, test_at, last + 1);
  const Dataset train_c = all.cls.slice(tb, te), valid_c = all.cls.slice(vb, ve), test_c = all.cls.slice(sb, se);
  const Dataset train_r = all.reg.slice(tb, te), valid_r = all.reg.slice(vb, ve), test_r = all.reg.slice(sb, se);
  const double pos = std::count(train_c.y.begin(), train_c.y.end(), 1.f);
  if (pos == 0 || pos == static_cast<double>(train_c.rows()))
    throw InputError(db.path(), fmt::format("the training part has one class only ({} of {} rows fail within {:.0f} h): "
                                            "a longer history or another horizon is needed",
                                            pos, train_c.rows(), o.horizon_h));
  if (valid_c.rows() == 0) throw InputError(db.path(), "the validation part is empty: a longer history is needed");
  const double valid_pos = std::count(valid_c.y.begin(), valid_c.y.end(), 1.f);
  if (valid_pos == 0 || valid_pos == static_cast<double>(valid_c.rows()))
    throw InputError(db.path(), fmt::format("the validation part has one class only ({} of {} rows fail within {:.0f} h): "
                                            "early stopping and the thresholds need both; a longer history or another "
                                            "horizon is needed",
                                            valid_pos, valid_c.rows(), o.horizon_h));

  FailureModel m;
  m.name = name;
  m.spec = o.features;
  m.sensors = f.sensors;
  m.features = f.names;
  m.horizon_h = o.horizon_h;
  m.cap_h = o.cap_h;
  m.alarm_threshold = o.alarm_threshold;
  m.trained_from = first;
  m.trained_to = test_at - gap;  // the validation part's end

  BoostParams pc = o.params;
  pc.objective = "binary:logistic";
  pc.eval_metric = "aucpr";
  pc.scale_pos_weight = (static_cast<double>(train_c.rows()) - pos) / pos;
  Progress progress("learn: failure models", static_cast<std::uint64_t>(pc.rounds) * 2, "rounds");
  TrainLog lc, lr;
  m.classifier = Booster::train(train_c, &valid_c, pc, &lc, [&](int r, int) { progress.set(static_cast<std::uint64_t>(r)); });
  BoostParams pr = o.params;
  pr.objective = "reg:squarederror";
  pr.eval_metric = "rmse";
  m.regressor = Booster::train(train_r, &valid_r, pr, &lr,
                               [&](int r, int) { progress.set(static_cast<std::uint64_t>(pc.rounds + r)); });
  progress.finish();
  m.classifier_rounds = m.classifier.rounds();
  m.regressor_rounds = m.regressor.rounds();
  // Calibration, then the alarm threshold: best F1 on validation (never on test).
  {
    std::vector<int> y;
    for (float v : valid_c.y) y.push_back(v > 0.5f ? 1 : 0);
    const auto raw = m.classifier.predict(valid_c);
    m.calibration = fit_platt(std::vector<double>(raw.begin(), raw.end()), y);
    const std::vector<double> s = m.failure_probability(valid_c);
    m.threshold = std::count(y.begin(), y.end(), 1) > 0 ? best_f1_threshold(s, y) : 0.5;
    // The mean repair of the breakdowns before validation began (the training part's log).
    m.repair_h = store::mean_repair_hours(events.breakdowns, valid_at - 1).value_or(0);
    m.pm_hours = o.pm_hours;
    m.pm_threshold = best_gain_threshold(s, y, m.repair_h, m.pm_hours);
  }
  {
    // The interval of the hours to failure, from validation's residuals.
    const auto h = m.regressor.predict(valid_r);
    std::vector<double> residual;
    for (std::size_t i = 0; i < valid_r.rows(); ++i)
      if (valid_r.y[i] < m.cap_h) residual.push_back(valid_r.y[i] - h[i]);
    if (!residual.empty()) {
      std::sort(residual.begin(), residual.end());
      auto at = [&](double q) { return residual[static_cast<std::size_t>(q * static_cast<double>(residual.size() - 1))]; };
      m.ttf_low_h = at(0.1);
      m.ttf_high_h = at(0.9);
    }
  }
  m.validation = measure(m, valid_c, valid_r);
  m.test = measure(m, test_c, test_r);
  return m;
}

std::vector<double> FailureModel::failure_probability(const Dataset& rows) const {
  const auto raw = classifier.predict(rows);
  std::vector<double> p;
  p.reserve(raw.size());
  for (float v : raw) p.push_back(calibration(v));
  return p;
}

SplitMetrics evaluate_failure_model(const FailureModel& m, store::Database& db, TimestampMs from, TimestampMs to) {
  check_model_sensors(m, db);
  const MachineEvents events = read_machine_events(db, machine_alarm_rule(m.alarm_threshold));
  const MachineFeatures f = machine_features(db, m.spec, events, from, to, m.sensors);
  if (f.names != m.features) throw InputError(m.name, "the model's feature list does not match the features built here");
  if (f.rows.empty()) throw InputError(db.path(), "no cleaned readings in the time range to evaluate on");
  std::vector<std::size_t> order(f.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return f.rows[a].t < f.rows[b].t; });
  const FailureLabeler labeler(events.breakdowns, f.rows[order.back()].t, m.horizon_h, m.cap_h);
  const Labelled all = label_rows(f, labeler, order);
  if (all.cls.rows() == 0)
    throw InputError(db.path(), "no feature rows with a known outcome in the time range (is the maintenance log empty, "
                                "or the range shorter than the horizon?)");
  return measure(m, all.cls, all.reg);
}

std::vector<store::Prediction> predict_failures(const FailureModel& m, store::Database& db, TimestampMs at) {
  check_model_sensors(m, db);
  const TimestampMs tick = at / m.spec.step_ms * m.spec.step_ms;
  const MachineFeatures f = machine_features(db, m.spec, read_machine_events(db, machine_alarm_rule(m.alarm_threshold)), tick, tick, m.sensors);
  if (f.names != m.features) throw InputError(m.name, "the model's feature list does not match the features built here");
  if (f.rows.empty())
    throw InputError(db.path(), fmt::format("no machine has cleaned readings at {}", format_iso8601(tick)));
  Dataset d;
  d.features = f.names;
  for (const auto& r : f.rows) {
    for (float v : r.values)
      if (std::isinf(v)) throw InputError(r.machine, fmt::format("a feature at {} is infinite", format_iso8601(tick)));
    d.add(r.values, 0);
  }
  const auto p = m.failure_probability(d);
  const auto h = m.regressor.predict(d);
  std::vector<store::Prediction> out;
  const auto horizon = static_cast<std::int64_t>(m.horizon_h * kHourMs);
  const auto cap = static_cast<std::int64_t>(m.cap_h * kHourMs);
  for (std::size_t i = 0; i < f.rows.size(); ++i) {
    out.push_back({m.name, m.trained_from, m.trained_to, f.rows[i].machine, tick, "failure_within", p[i], horizon});
    out.push_back({m.name, m.trained_from, m.trained_to, f.rows[i].machine, tick, "time_to_failure_h",
                   std::clamp<double>(h[i], 0, m.cap_h), cap});
    out.push_back({m.name, m.trained_from, m.trained_to, f.rows[i].machine, tick, "time_to_failure_h_p10",
                   std::clamp<double>(h[i] + m.ttf_low_h, 0, m.cap_h), cap});
    out.push_back({m.name, m.trained_from, m.trained_to, f.rows[i].machine, tick, "time_to_failure_h_p90",
                   std::clamp<double>(h[i] + m.ttf_high_h, 0, m.cap_h), cap});
  }
  return out;
}

std::map<std::string, MachineRisk> machine_risks(const std::vector<store::Prediction>& preds) {
  std::map<std::string, MachineRisk> by;
  for (const auto& p : preds) {
    MachineRisk& k = by[p.machine];
    if (p.target == "failure_within") k.p = p.value;
    else if (p.target == "time_to_failure_h") k.hours = p.value;
    else if (p.target == "time_to_failure_h_p10") k.low = p.value;
    else if (p.target == "time_to_failure_h_p90") k.high = p.value;
  }
  return by;
}

std::vector<store::DowntimeWindow> preventive_windows(const FailureModel& m, const std::vector<store::Prediction>& preds,
                                                      TimestampMs at, double pm_hours, double threshold) {
  if (threshold < 0) threshold = m.pm_threshold;
  std::vector<store::DowntimeWindow> out;
  for (const auto& [machine, risk] : machine_risks(preds)) {
    const double prob = risk.p, hours = risk.hours;
    if (prob < threshold) continue;
    out.push_back({machine, at, at + static_cast<TimestampMs>(pm_hours * kHourMs), "predicted", m.name,
                   fmt::format("preventive maintenance: failure within {:.0f} h with probability {:.2f} (expected in "
                               "{:.0f} h)",
                               m.horizon_h, prob, hours)});
  }
  return out;
}

void FailureModel::save(const std::string& dir) const {
  fs::create_directories(dir);
  classifier.save((fs::path(dir) / "failure_within.json").string());
  regressor.save((fs::path(dir) / "time_to_failure.json").string());
  nlohmann::json j = {
      {"kind", "xinzhi failure model"},
      {"name", name},
      {"sensors", sensors},
      {"features", features},
      {"windows_ms", spec.windows_ms},
      {"step_ms", spec.step_ms},
      {"running_sensor", spec.running_sensor},
      {"baseline_ms", spec.baseline_ms},
      {"horizon_h", horizon_h},
      {"cap_h", cap_h},
      {"threshold", threshold},
      {"pm_threshold", pm_threshold},
      {"calibration", {{"method", "platt"}, {"a", calibration.a}, {"b", calibration.b}}},
      {"pm_hours", pm_hours},
      {"repair_h", repair_h},
      {"alarm_threshold", alarm_threshold},
      {"time_to_failure_interval_h", {ttf_low_h, ttf_high_h}},
      {"trained_from", format_iso8601(trained_from)},
      {"trained_to", format_iso8601(trained_to)},
      {"rounds", {{"failure_within", classifier_rounds}, {"time_to_failure", regressor_rounds}}},
      {"validation", split_metrics_json(validation)},
      {"test", split_metrics_json(test)},
      {"command", command},
  };
  write_file_atomic((fs::path(dir) / "model.json").string(), j.dump(2) + "\n");
  std::string card = fmt::format(
      "# Failure model `{}`\n\n"
      "Two gradient-boosted tree models (XGBoost) over {} features of each machine, taken every {:.0f} h from the "
      "cleaned readings of {} sensors ({}) over trailing windows of {}, while running and overall, with the hours "
      "since the last service and the alarms of the last day:\n\n"
      "- `failure_within.json`: the probability that the machine breaks down within {:.0f} h (alarm threshold "
      "{:.3f}, the best F1 on validation);\n"
      "- `time_to_failure.json`: the hours until it does, capped at {:.0f} h; its 80% interval adds {:+.1f} h to "
      "{:+.1f} h (the 10th and 90th percentiles of the errors on validation).\n\n"
      "Maintenance is called for at a probability of {:.3f} or more: on validation that threshold gains the most "
      "hours when a true alarm saves the mean repair ({:.1f} h in the training log) and every alarm costs a "
      "{:.1f} h maintenance.\n\n"
      "Targets come from the plant's maintenance log (fault and repair records), never from a simulation's truth.\n\n"
      "## Data\n\nFeature rows from {} to {} for training and validation (time-ordered, a gap of one horizon "
      "between parts), the last part of the range for test.\n\n"
      "## Metrics\n\nThe probability is calibrated on validation (Platt scaling, a = {:.3f}, b = {:.3f}); its mean "
      "beside the share of rows that fail, and the Brier score, say how well it keeps to the frequencies.\n\n"
      "| part | rows | failing | mean probability | Brier | average precision | precision | recall | F1 | RMSE (h) | MAE (h) |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
      name, features.size(), static_cast<double>(spec.step_ms) / kHourMs, sensors.size(), fmt::join(sensors, ", "),
      [&] {
        std::vector<std::string> w;
        for (auto ms : spec.windows_ms) w.push_back(fmt::format("{:.0f} h", static_cast<double>(ms) / kHourMs));
        return fmt::format("{}", fmt::join(w, ", "));
      }(),
      horizon_h, threshold, cap_h, ttf_low_h, ttf_high_h, pm_threshold, repair_h, pm_hours, format_iso8601(trained_from), format_iso8601(trained_to), calibration.a, calibration.b);
  for (auto [part, s] : {std::pair{"validation", &validation}, std::pair{"test", &test}})
    card += fmt::format("| {} | {} | {} ({:.1f}%) | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.1f} | {:.1f} |\n",
                        part, s->rows, s->positives, s->rows ? 100.0 * static_cast<double>(s->positives) / static_cast<double>(s->rows) : 0.0,
                        s->mean_probability, s->brier, s->average_precision, s->precision, s->recall, s->f1, s->rmse_h, s->mae_h);
  card += fmt::format("\n## How it was made\n\n```\n{}\n```\n", command.empty() ? "(not recorded)" : command);
  write_file_atomic((fs::path(dir) / "README.md").string(), card);
}

FailureModel FailureModel::load(const std::string& dir) {
  const std::string meta = (fs::path(dir) / "model.json").string();
  if (!fs::exists(meta)) throw InputError(dir, "not a failure model folder (no model.json)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(meta));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(meta, std::string("not valid JSON: ") + e.what());
  }
  if (j.value("kind", "") != "xinzhi failure model") throw InputError(meta, "not a xinzhi failure model");
  FailureModel m;
  try {
    m.name = j.at("name").get<std::string>();
    m.sensors = j.at("sensors").get<std::vector<std::string>>();
    m.features = j.at("features").get<std::vector<std::string>>();
    m.spec.windows_ms = j.at("windows_ms").get<std::vector<std::int64_t>>();
    m.spec.step_ms = j.at("step_ms").get<std::int64_t>();
    m.spec.running_sensor = j.at("running_sensor").get<std::string>();
    m.spec.baseline_ms = j.at("baseline_ms").get<std::int64_t>();
    m.horizon_h = j.at("horizon_h").get<double>();
    m.cap_h = j.at("cap_h").get<double>();
    m.threshold = j.at("threshold").get<double>();
    m.pm_threshold = j.at("pm_threshold").get<double>();
    const auto& cal = j.at("calibration");
    if (cal.at("method").get<std::string>() != "platt")
      throw InputError(meta + ": calibration.method", "only platt is known");
    m.calibration = {cal.at("a").get<double>(), cal.at("b").get<double>()};
    m.pm_hours = j.at("pm_hours").get<double>();
    m.repair_h = j.at("repair_h").get<double>();
    m.alarm_threshold = j.at("alarm_threshold").get<double>();
    const auto interval = j.at("time_to_failure_interval_h").get<std::vector<double>>();
    if (interval.size() != 2) throw InputError(meta + ": time_to_failure_interval_h", "must be [low, high]");
    m.ttf_low_h = interval[0];
    m.ttf_high_h = interval[1];
    m.trained_from = parse_iso8601(j.at("trained_from").get<std::string>()).value_or(0);
    m.trained_to = parse_iso8601(j.at("trained_to").get<std::string>()).value_or(0);
    m.validation = split_from(j.value("validation", nlohmann::json::object()));
    m.test = split_from(j.value("test", nlohmann::json::object()));
    m.command = j.value("command", "");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(meta, std::string("missing or wrong field: ") + e.what());
  }
  if (m.spec.step_ms <= 0) throw InputError(meta + ": step_ms", "must be positive");
  if (feature_names(m.sensors, m.spec) != m.features)
    throw InputError(meta + ": features", "the feature list does not follow from the sensors and windows");
  m.classifier = Booster::load((fs::path(dir) / "failure_within.json").string());
  m.regressor = Booster::load((fs::path(dir) / "time_to_failure.json").string());
  if (m.classifier.num_features() != static_cast<int>(m.features.size()) ||
      m.regressor.num_features() != static_cast<int>(m.features.size()))
    throw InputError(dir, fmt::format("the XGBoost models take {} features, model.json lists {}",
                                      m.classifier.num_features(), m.features.size()));
  m.classifier_rounds = m.classifier.rounds();
  m.regressor_rounds = m.regressor.rounds();
  return m;
}

}  // namespace xinzhi::learn
