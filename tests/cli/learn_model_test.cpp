// `xinzhi learn train`, `eval` and `predict` on a small simulated plant (four machines, twelve
// days, readings every ten minutes, a failure every 40 running hours or so), through the real
// binary from `simulate` on: the model folder and its card naming the command, eval reproducing
// model.json's test metrics, predictions written with their model and training range, and bad
// input refused with exit code 2 and a message naming the problem.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "store/downtime_table.hpp"
#include "store/predictions_table.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi::testing;
namespace fs = std::filesystem;

namespace {

// Four machines of one type with five sensors, each read every 600 s.
std::string plant_yaml(int days, double mtbf_hours) {
  return fmt::format(
      "name: small\nstart: 2026-01-05\ndays: {}\nseed: 3\n"
      "machine_types:\n  cnc_mill:\n    label: {{en: CNC mill, zh: 数控铣床}}\n    power_kw: 22\n"
      "    speed_rpm: [2000, 8000]\n"
      "    sensors: {{temperature: 600, humidity: 600, speed: 600, vibration: 600, power: 600}}\n"
      "machines:\n  - {{type: cnc_mill, count: 4}}\n"
      "failures:\n  mtbf_hours: {}\n  repair_hours: 4\n"
      "records:\n  count: 200\norders:\n  count: 10\n",
      days, mtbf_hours);
}

// simulate, ingest and (unless `clean` is false) clean into dir/<name>.db.
std::string make_warehouse(const TempDir& dir, const std::string& name, const std::string& yaml, bool clean = true) {
  write_text(dir / (name + ".yaml"), yaml);
  const std::string db = dir / (name + ".db");
  for (const std::string& cmd : {"simulate --plant " + (dir / (name + ".yaml")) + " --out " + (dir / name),
                                 "ingest " + (dir / name) + " --db " + db, std::string("clean --db ") + db}) {
    if (!clean && cmd.rfind("clean", 0) == 0) break;
    const auto r = run_xinzhi("-q " + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
  return db;
}

constexpr const char* kTrain = " --horizon-h 24 --cap-h 48 --rounds 40 --threads 1 --seed 1 --alarm-threshold 0.5";

// The plant's warehouse and a model trained on it, made once per process.
struct Trained {
  TempDir dir;
  std::string db, model;
  CommandResult train;
  nlohmann::json meta;
  Trained() {
    db = make_warehouse(dir, "plant", plant_yaml(12, 40));
    model = dir / "risk";
    train = run_xinzhi("learn train --db " + db + " -o " + model + kTrain);
    if (train.exit_code == 0) meta = nlohmann::json::parse(read_text(model + "/model.json"));
  }
};

const Trained& trained() {
  static Trained t;
  return t;
}

// A count from the warehouse, read directly (`SELECT count(*) ...`).
std::int64_t count(const std::string& db, const std::string& query) {
  auto wh = xinzhi::store::Warehouse::open_read_only(db);
  return xinzhi::store::query_int(wh.db(), query).value_or(-1);
}

// A copy of the trained model's folder, to spoil.
std::string copy_model(const TempDir& dir, const std::string& name) {
  const std::string to = dir / name;
  fs::copy(trained().model, to, fs::copy_options::recursive);
  return to;
}

// A copy of the trained warehouse, to write into, changed by `sql`.
std::string copy_warehouse(const TempDir& dir, const std::string& name, const std::string& sql = "") {
  const std::string to = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"})
    if (fs::exists(trained().db + suffix)) fs::copy_file(trained().db + suffix, to + suffix);
  if (!sql.empty()) xinzhi::store::Warehouse(to, false).db().exec(sql);
  return to;
}

}  // namespace

TEST(LearnModel, TrainWritesTheModelFolderAndEvalGivesItsTestMetrics) {
  const Trained& t = trained();
  ASSERT_EQ(t.train.exit_code, 0) << t.train.output;
  for (const char* f : {"failure_within.json", "time_to_failure.json", "model.json", "README.md"})
    EXPECT_TRUE(fs::is_regular_file(t.model + "/" + f)) << f;
  const std::string command = fmt::format("learn train --db {} -o {}{}", t.db, t.model, kTrain);
  EXPECT_NE(read_text(t.model + "/README.md").find(command), std::string::npos) << read_text(t.model + "/README.md");
  EXPECT_NE(t.meta["command"].get<std::string>().find(command), std::string::npos) << t.meta["command"];
  EXPECT_EQ(t.meta["name"], "risk");  // the folder's name
  EXPECT_EQ(t.meta["horizon_h"], 24.0);
  EXPECT_EQ(t.meta["cap_h"], 48.0);
  EXPECT_EQ(t.meta["sensors"], (std::vector<std::string>{"humidity", "power", "speed", "temperature", "vibration"}));
  // Both classes in both parts, and the summary says what model.json says.
  for (const char* part : {"validation", "test"}) {
    EXPECT_GT(t.meta[part]["positives"].get<int>(), 0) << part;
    EXPECT_LT(t.meta[part]["positives"].get<int>(), t.meta[part]["rows"].get<int>()) << part;
  }
  const std::string& out = t.train.output;
  EXPECT_NE(out.find(fmt::format("{} features", t.meta["features"].size())), std::string::npos) << out;
  EXPECT_NE(out.find(fmt::format("failure_within {}", t.meta["rounds"]["failure_within"].get<int>())), std::string::npos)
      << out;
  EXPECT_NE(out.find(fmt::format("alarm threshold {:.3f}", t.meta["threshold"].get<double>())), std::string::npos) << out;
  for (const char* part : {"validation", "test"})
    EXPECT_NE(out.find(fmt::format("  {:<10} {:>6} {:>7} {:>7.3f} {:>6.3f} {:>9.3f}", part, t.meta[part]["rows"].get<int>(),
                                   t.meta[part]["positives"].get<int>(), t.meta[part]["mean_probability"].get<double>(),
                                   t.meta[part]["brier"].get<double>(), t.meta[part]["average_precision"].get<double>())),
              std::string::npos)
        << part << "\n" << out;
  // The machines' detector ran first: its alarms are in the warehouse, as many as it said.
  const auto alarms = count(t.db, "SELECT count(*) FROM alarms WHERE rule = 'machine>0.5'");
  EXPECT_GT(alarms, 0);
  EXPECT_NE(out.find(fmt::format("alarms: {} from the machines' detector", alarms)), std::string::npos) << out;

  // Training into an earlier model's folder replaces it; --name names the model.
  const std::string again = copy_model(t.dir, "again");
  auto r = run_xinzhi("-q learn train --db " + t.db + " -o " + again +
                      " --name pump-risk --horizon-h 30 --cap-h 60 --rounds 5 --threads 1 --alarm-threshold 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto meta = nlohmann::json::parse(read_text(again + "/model.json"));
  EXPECT_EQ(meta["name"], "pump-risk");
  EXPECT_EQ(meta["horizon_h"], 30.0);
  EXPECT_NE(read_text(again + "/README.md").find("--name pump-risk --horizon-h 30"), std::string::npos);

  // On the training warehouse's own test part, `learn eval` measures what training put in model.json.
  // The test part starts one horizon after the validation part's end (trained_to).
  const auto test_from = *xinzhi::parse_iso8601(t.meta["trained_to"].get<std::string>()) + 24 * 3'600'000LL;
  const std::string eval = "learn eval --model " + t.model + " --db " + t.db;
  const std::string args = eval + " --from " + xinzhi::format_iso8601(test_from);
  r = run_xinzhi(args + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  const auto& test = t.meta["test"];
  EXPECT_EQ(j["rows"], test["rows"]);
  EXPECT_EQ(j["positives"], test["positives"]);
  for (const char* k : {"average_precision", "precision", "recall", "f1", "rmse_h", "mae_h"})
    EXPECT_NEAR(j[k].get<double>(), test[k].get<double>(), 1e-9) << k;
  EXPECT_EQ(j["threshold"], t.meta["threshold"]);
  EXPECT_EQ(j["model"], "risk");

  r = run_xinzhi(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(fmt::format("rows               {}\n", test["rows"].get<int>())), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fmt::format("failing rows       {} ", test["positives"].get<int>())), std::string::npos);
  EXPECT_NE(r.output.find(fmt::format("average precision  {:.3f}\n", test["average_precision"].get<double>())),
            std::string::npos);
  EXPECT_NE(r.output.find(fmt::format("precision          {:.3f} ", test["precision"].get<double>())), std::string::npos);
  EXPECT_NE(r.output.find(fmt::format("recall             {:.3f}\n", test["recall"].get<double>())), std::string::npos);
  EXPECT_NE(r.output.find(fmt::format("F1                 {:.3f}\n", test["f1"].get<double>())), std::string::npos);
  EXPECT_NE(r.output.find(fmt::format("RMSE (h)           {:.2f} ", test["rmse_h"].get<double>())), std::string::npos);
  EXPECT_NE(r.output.find(fmt::format("MAE (h)            {:.2f}\n", test["mae_h"].get<double>())), std::string::npos);

  // The whole range holds more rows than validation and test; a range ending earlier, fewer.
  r = run_xinzhi(eval + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto all = nlohmann::json::parse(r.output);
  EXPECT_GT(all["rows"].get<int>(), test["rows"].get<int>() + t.meta["validation"]["rows"].get<int>());
  r = run_xinzhi(eval + " --json --from 2026-01-08T00:00:00Z --to 2026-01-10T00:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto part = nlohmann::json::parse(r.output);
  EXPECT_GT(part["rows"].get<int>(), 0);
  EXPECT_LE(part["rows"].get<int>(), 4 * 49);  // four machines, hourly from the 8th to the 10th
  EXPECT_EQ(part["from"], "2026-01-08T00:00:00.000Z");
}

TEST(LearnModel, PredictWritesPredictionsWithTheirModelAndTrainingRange) {
  const Trained& t = trained();
  ASSERT_EQ(t.train.exit_code, 0) << t.train.output;
  TempDir dir;
  const std::string db = copy_warehouse(dir, "copy.db");
  const std::string args = "learn predict --model " + t.model + " --db " + db + " --at ";
  // Without --write nothing is stored.
  auto r = run_xinzhi(args + "2026-01-15T06:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string shown = r.output;
  EXPECT_EQ(count(db, "SELECT count(*) FROM predictions"), 0);

  r = run_xinzhi(args + "2026-01-15T06:20:00Z --write --pm-hours 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<xinzhi::store::Prediction> preds;
  std::vector<xinzhi::store::DowntimeWindow> windows;
  {
    auto wh = xinzhi::store::Warehouse::open_read_only(db);
    preds = xinzhi::store::read_predictions(wh.db());
    windows = xinzhi::store::read_downtime(wh.db(), {"predicted"});
  }
  ASSERT_EQ(preds.size(), 16u);  // 4 machines x (probability, hours, hours' 80% interval)
  const double threshold = t.meta["pm_threshold"].get<double>();
  std::vector<std::string> at_risk;
  for (const auto& p : preds) {
    EXPECT_EQ(p.model, "risk");
    EXPECT_EQ(xinzhi::format_iso8601(p.trained_from), t.meta["trained_from"]);
    EXPECT_EQ(xinzhi::format_iso8601(p.trained_to), t.meta["trained_to"]);
    EXPECT_EQ(xinzhi::format_iso8601(p.ts), "2026-01-15T06:00:00.000Z");  // the feature time at or before --at
    if (p.target == "failure_within") {
      EXPECT_TRUE(p.value >= 0 && p.value <= 1) << p.value;
      EXPECT_EQ(p.horizon_ms, 24 * 3'600'000LL);
      if (p.value >= threshold) at_risk.push_back(p.machine);
      // The printed line, the same as without --write (the same feature time).
      const std::string line = fmt::format("{:<10} {:>11.3f}", p.machine, p.value);
      EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
      EXPECT_NE(shown.find(line), std::string::npos) << line << "\n" << shown;
    } else {
      EXPECT_EQ(p.target.rfind("time_to_failure_h", 0), 0u) << p.target;
      EXPECT_TRUE(p.value >= 0 && p.value <= 48) << p.value;
    }
  }
  EXPECT_NE(r.output.find(fmt::format("{} of 4 machines at risk", at_risk.size())), std::string::npos) << r.output;
  // A preventive window of 3 h from --at for each machine at risk, named after the model.
  ASSERT_EQ(windows.size(), at_risk.size());
  for (std::size_t i = 0; i < windows.size(); ++i) {
    EXPECT_EQ(windows[i].machine, at_risk[i]);
    EXPECT_EQ(windows[i].source, "risk");
    EXPECT_EQ(xinzhi::format_iso8601(windows[i].start), "2026-01-15T06:20:00.000Z");
    ASSERT_TRUE(windows[i].end.has_value());
    EXPECT_EQ(xinzhi::format_iso8601(*windows[i].end), "2026-01-15T09:20:00.000Z");
  }
  // Again at the same time: replaced, not doubled.
  r = run_xinzhi(args + "2026-01-15T06:20:00Z --write --pm-hours 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count(db, "SELECT count(*) FROM predictions"), 16);
  EXPECT_EQ(count(db, "SELECT count(*) FROM downtime_windows WHERE kind = 'predicted'"),
            static_cast<std::int64_t>(at_risk.size()));
}

TEST(LearnModel, ModelsThatDoNotFitTheDataOrAreSpoiledAndBadTimesAreRefused) {
  const Trained& t = trained();
  ASSERT_EQ(t.train.exit_code, 0) << t.train.output;
  TempDir dir;
  // The warehouse without its humidity readings: the model's features need them. Refused
  // before the detector writes any alarm; without any cleaned readings, refused as such.
  const std::string dry =
      copy_warehouse(dir, "dry.db", "DELETE FROM clean_aligned WHERE sensor = 'humidity'; DELETE FROM alarms");
  expect_input_error("learn predict --model " + t.model + " --db " + dry + " --at 2026-01-15T06:00:00Z",
                     "the model risk needs sensor 'humidity', which the warehouse's cleaned readings do not have");
  EXPECT_EQ(count(dry, "SELECT count(*) FROM alarms"), 0);
  const std::string empty = copy_warehouse(dir, "empty.db", "DELETE FROM clean_aligned");
  expect_input_error("learn eval --model " + t.model + " --db " + empty, "no cleaned readings (run `xinzhi clean");
  // model.json edited to another sensor (its features renamed with it): the data lack it.
  const std::string edited = copy_model(dir, "edited");
  std::string meta = read_text(edited + "/model.json");
  for (std::size_t p = 0; (p = meta.find("humidity", p)) != std::string::npos;) meta.replace(p, 8, "noise");
  write_text(edited + "/model.json", meta);
  expect_input_error("learn eval --model " + edited + " --db " + t.db, "needs sensor 'noise'");
  // model.json's sensors edited alone: its feature list no longer follows from them.
  const std::string sensors = copy_model(dir, "sensors");
  auto j = nlohmann::json::parse(read_text(sensors + "/model.json"));
  j["sensors"] = {"power", "speed"};
  write_text(sensors + "/model.json", j.dump());
  expect_input_error("learn predict --model " + sensors + " --db " + t.db + " --at 2026-01-15T06:00:00Z",
                     "model.json: features");
  // A truncated XGBoost file.
  const std::string truncated = copy_model(dir, "truncated");
  fs::resize_file(truncated + "/failure_within.json", fs::file_size(truncated + "/failure_within.json") / 2);
  expect_input_error("learn predict --model " + truncated + " --db " + t.db + " --at 2026-01-15T06:00:00Z",
                     "failure_within.json: not an XGBoost JSON model");
  // A foreign model.json (valid JSON, another program's), and one that is not JSON at all.
  const std::string foreign = copy_model(dir, "foreign");
  write_text(foreign + "/model.json", R"({"architectures": ["BertForTokenClassification"], "hidden_size": 64})");
  expect_input_error("learn eval --model " + foreign + " --db " + t.db, "model.json: not a xinzhi failure model");
  write_text(foreign + "/model.json", "{\"kind\": \"xinzhi failure model\", \"name\": ");
  expect_input_error("learn eval --model " + foreign + " --db " + t.db, "model.json: not valid JSON");
  // No model, no warehouse.
  expect_input_error("learn eval --model " + dir / "none" + " --db " + t.db, "none: not a failure model folder");
  expect_input_error("learn predict --model " + t.model + " --db " + dir / "none.db" + " --at 2026-01-15T06:00:00Z",
                     "none.db: no such warehouse file");
  // Bad times, and ranges without data.
  const std::string predict = "learn predict --model " + t.model + " --db " + t.db + " --at ";
  expect_input_error(predict + "yesterday", "--at: 'yesterday' is not an ISO-8601 time");
  expect_input_error(predict + "2027-01-01T00:00:00Z", "no machine has cleaned readings at 2027-01-01");
  const std::string eval = "learn eval --model " + t.model + " --db " + t.db;
  expect_input_error(eval + " --from soon", "--from: 'soon' is not an ISO-8601 time");
  expect_input_error(eval + " --to 2026-01-10T00:00:00Z --from 2026-01-12T00:00:00Z",
                     "--from: 2026-01-12T00:00:00Z is after --to");
  EXPECT_EQ(count(t.db, "SELECT count(*) FROM predictions"), 0);
}

TEST(LearnModel, DataThatCannotMakeAModelAreRefused) {
  TempDir dir;
  const std::string out = " -o " + dir / "m" + " --rounds 20 --threads 1";
  // A plant whose machines never break down; ingested but not cleaned: nothing to learn from.
  const std::string sound = make_warehouse(dir, "sound", plant_yaml(8, 1e6), /*clean=*/false);
  expect_input_error("learn train --db " + sound + out, "no cleaned readings (run `xinzhi clean");
  // Cleaned: one class only.
  ASSERT_EQ(run_xinzhi("-q clean --db " + sound).exit_code, 0);
  expect_input_error("learn train --db " + sound + out + " --horizon-h 24 --cap-h 48", "one class only");
  // A horizon longer than a third of the data (eight days).
  expect_input_error("learn train --db " + sound + out + " --horizon-h 70 --cap-h 96", "too short for a 70 h horizon");
  // A sensor the warehouse does not have.
  expect_input_error("learn train --db " + sound + out + " --sensors speed,noise",
                     "--sensors: " + sound + " has no cleaned readings of sensor 'noise'");
  // Where the model would go: a file, or a folder of something else.
  write_text(dir / "file", "x");
  expect_input_error("learn train --db " + sound + " -o " + dir / "file", "exists and is not a folder");
  expect_input_error("learn train --db " + sound + " -o " + dir / "sound", "holds files but no model.json");
  EXPECT_FALSE(fs::exists(dir / "m"));
  // An option out of range is a usage error.
  EXPECT_EQ(run_xinzhi("learn train --db " + sound + out + " --alarm-threshold 1.5").exit_code, 1);
}

// A horizon so short that no validation row fails within it: refused as bad input (XGBoost's aucpr
// on a validation set without positives used to fail inside the library, exit 3).
TEST(LearnModel, AHorizonTooShortForTheValidationPartIsRefused) {
  const Trained& t = trained();
  TempDir dir;
  expect_input_error("learn train --db " + t.db + " -o " + dir / "m" + " --rounds 20 --threads 1 --horizon-h 0.01",
                     "the validation part has one class only");
}

TEST(LearnModel, HelpNamesTheOptions) {
  for (const auto& [cmd, opts] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"train", {"--db", "--out", "--horizon-h", "--cap-h", "--sensors", "--rounds", "--threads", "--seed",
                      "--name", "--alarm-threshold"}},
           {"eval", {"--model", "--db", "--from", "--to", "--json", "--keep-alarms"}},
           {"predict", {"--model", "--db", "--at", "--write", "--pm-hours", "--keep-alarms"}}}) {
    const auto r = run_xinzhi("learn " + cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    for (const auto& o : opts) EXPECT_NE(r.output.find(o), std::string::npos) << cmd << " " << o;
  }
}
