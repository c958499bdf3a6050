// Pipeline files and runs through the real `xinzhi run`: bad files are refused before anything
// runs (no run folder left behind), a good run leaves run.log, metrics.json and report.html.
#include <gtest/gtest.h>

#include <map>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "store/downtime_table.hpp"
#include "store/predictions_table.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;
namespace fs = std::filesystem;

namespace {

xinzhi::testing::CommandResult run_pipeline(const TempDir& dir, const std::string& yaml) {
  write_text(dir / "p.yaml", yaml);
  return run_xinzhi("run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
}

bool has_run_folder(const TempDir& dir) {
  std::error_code ec;
  return fs::exists(dir / "runs", ec) && !fs::is_empty(dir / "runs", ec);
}

}  // namespace

TEST(Pipeline, UnknownKeyIsRefusedWithLineAndKeyPath) {
  TempDir dir;
  const auto r = run_pipeline(dir, "name: t\nstages:\n  - ingest:\n      path: a.csv\n      chunk_rowz: 5\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("p.yaml:5:7: unknown key 'stages[0].ingest.chunk_rowz'"), std::string::npos) << r.output;
  EXPECT_FALSE(has_run_folder(dir));
}

TEST(Pipeline, WrongTypeIsRefusedWithLineAndKeyPath) {
  TempDir dir;
  const auto r = run_pipeline(dir, "name: t\nseed: lots\nstages:\n  - ingest: {}\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("p.yaml:2:7: seed: expected a whole number, got 'lots'"), std::string::npos) << r.output;
  EXPECT_FALSE(has_run_folder(dir));
}

TEST(Pipeline, UnknownStageNamesTheKnownOnes) {
  TempDir dir;
  const auto r = run_pipeline(dir, "name: t\nstages:\n  - ingets: {}\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown stage 'ingets'; this build has: "), std::string::npos) << r.output;
}

TEST(Pipeline, MissingFileAndBadYaml) {
  TempDir dir;
  auto r = run_xinzhi("run " + (dir / "absent.yaml"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("absent.yaml: no such file"), std::string::npos) << r.output;
  r = run_pipeline(dir, "name: t\nstages: [ingest: {}\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not valid YAML"), std::string::npos) << r.output;
  EXPECT_FALSE(has_run_folder(dir));
}

TEST(Pipeline, RunWritesLogMetricsAndReport) {
  TempDir dir;
  write_text(dir / "a.csv",
             "ts,machine,sensor,value\n2026-01-01T00:00:00Z,M1,power,1\n2026-01-01T00:00:10Z,M1,power,2\nbad\n");
  const auto r = run_pipeline(dir, "name: t\nstages:\n  - ingest: {path: a.csv}\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto pos = r.output.find("report: ");
  ASSERT_NE(pos, std::string::npos) << r.output;
  const fs::path report = r.output.substr(pos + 8, r.output.find('\n', pos) - pos - 8);
  const fs::path run = report.parent_path();
  EXPECT_EQ(run.parent_path(), fs::path(dir / "runs"));
  const auto metrics = nlohmann::json::parse(read_text((run / "metrics.json").string()));
  EXPECT_EQ(metrics["status"], "ok");
  EXPECT_EQ(metrics["stages"][0]["metrics"]["readings"], 2);
  EXPECT_EQ(metrics["stages"][0]["metrics"]["quarantined"], 1);
  const std::string html = read_text(report.string());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("ragged row: 1 field, expected 4"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, no scripts to fetch
  EXPECT_NE(read_text((run / "run.log").string()).find("stage ingest: done"), std::string::npos);
}

TEST(Pipeline, FailedStageStillWritesReportAndExits2) {
  TempDir dir;
  write_text(dir / "empty.csv", "");
  const auto r = run_pipeline(dir, "name: t\nstages:\n  - ingest: {path: empty.csv}\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("empty.csv:1: empty file"), std::string::npos) << r.output;
  ASSERT_TRUE(has_run_folder(dir));
  const fs::path run = fs::directory_iterator(dir / "runs")->path();
  const auto metrics = nlohmann::json::parse(read_text((run / "metrics.json").string()));
  EXPECT_EQ(metrics["status"], "failed");
  EXPECT_NE(read_text((run / "report.html").string()).find("empty file"), std::string::npos);
}

TEST(Pipeline, SmartFactoryChainFindsTheTwinsDefects) {
  TempDir dir;
  write_text(dir / "p.yaml",
             "name: sf\nseed: 7\nstages:\n  - simulate: {plant: " + xinzhi::testing::source_dir() +
                 "/examples/smart-factory/plant.yaml, days: 2, machines: 5}\n  - ingest: {}\n"
                 "  - clean: {rules: " + xinzhi::testing::source_dir() + "/examples/smart-factory/clean.yaml}\n"
                 "  - schedule: {backlog: true, objective: makespan, time_limit_s: 1, threads: 1, replications: 5}\n");
  const auto r = run_xinzhi("-q run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path run = fs::directory_iterator(dir / "runs")->path();
  const auto metrics = nlohmann::json::parse(read_text((run / "metrics.json").string()));
  const auto& sim = metrics["stages"][0]["metrics"];
  const auto& ingest = metrics["stages"][1]["metrics"];
  EXPECT_EQ(sim["machines"], 5);
  // Every landing row is either a reading or a quarantined line.
  EXPECT_EQ(ingest["readings"].get<std::int64_t>() + ingest["quarantined"].get<std::int64_t>(),
            sim["landing_rows"].get<std::int64_t>());
  // Defects whose rules are exact must match the twin's truth one for one (scored item by item
  // by the clean stage against truth/defects.csv).
  std::map<std::string, nlohmann::json> scored;
  for (const auto& d : metrics["stages"][2]["metrics"]["truth_score"]["defects"]) scored[d["kind"]] = d;
  for (const char* kind : {"duplicate", "missing", "gap", "truncated_line"}) {
    ASSERT_TRUE(scored.count(kind)) << kind;
    EXPECT_GT(scored[kind]["truth"].get<int>(), 0) << kind;
    EXPECT_EQ(scored[kind]["found"], scored[kind]["truth"]) << kind;
    EXPECT_EQ(scored[kind]["precision"], 1.0) << kind;
    EXPECT_EQ(scored[kind]["recall"], 1.0) << kind;
  }
  EXPECT_GT(ingest["text_records"].get<int>(), 0);
  EXPECT_GT(ingest["orders"].get<int>(), 0);
  // The plan is validated inside the stage; it must be no worse than FIFO dispatching, and the
  // simulation must have compared both.
  const auto& plan = metrics["stages"][3]["metrics"];
  EXPECT_EQ(metrics["stages"][3]["status"], "ok");
  EXPECT_GT(plan["orders"].get<int>(), 0);
  EXPECT_LE(plan["plan"]["makespan_min"].get<double>(), plan["fifo"]["makespan_min"].get<double>());
  EXPECT_GE(plan["plan"]["makespan_min"].get<double>(), plan["plan"]["lower_bound"].get<double>());
  EXPECT_EQ(plan["simulation"]["plan"]["makespan"]["n"], 5);
  const std::string html = read_text((run / "report.html").string());
  EXPECT_NE(html.find("Defects found by the cleaning, scored against the twin's truth"), std::string::npos);
  EXPECT_NE(html.find("Defects visible in the raw readings"), std::string::npos);
  EXPECT_NE(html.find("The plan"), std::string::npos);
}

// The predictive-maintenance loop end to end on a small plant: the learn stage trains on a
// history of its own (a folder and warehouse apart from the present), writes predictions with
// their model and training range and the preventive windows into the present warehouse, and the
// schedule stage replays the twin's true failures against the reactive, predictive and oracle
// plans under the same draws.
TEST(Pipeline, LearnStageFeedsTheScheduleAndTheReplayScoresIt) {
  TempDir dir;
  const std::string src = xinzhi::testing::source_dir();
  write_text(dir / "p.yaml",
             "name: loop\nseed: 3\nstages:\n  - simulate: {plant: " + src +
                 "/examples/smart-factory/plant.yaml, days: 4, machines: 6}\n  - ingest: {}\n"
                 "  - clean: {rules: " + src + "/examples/smart-factory/clean.yaml, score: false}\n"
                 "  - learn:\n      history: {plant: " + src + "/examples/smart-factory/plant.yaml, days: 20, seed: 11, "
                 "sample_s: 600}\n      horizon_h: 24\n      rounds: 60\n      threads: 1\n"
                 "      predict_at: 2026-01-07T06:00:00Z\n"
                 "  - schedule: {start: 2026-01-07T06:00:00Z, backlog: true, objective: tardiness, iterations: 300, "
                 "threads: 1, replications: 4, replay_iterations: 300, maintenance: priced}\n");
  const auto r = run_xinzhi("-q run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path run = fs::directory_iterator(dir / "runs")->path();
  const auto metrics = nlohmann::json::parse(read_text((run / "metrics.json").string()));
  const auto& learn = metrics["stages"][3]["metrics"];
  EXPECT_EQ(metrics["stages"][3]["name"], "learn");
  EXPECT_GT(learn["history"]["failures"].get<int>(), 0);
  EXPECT_TRUE(fs::exists(run / "history" / "warehouse.db"));
  EXPECT_TRUE(fs::exists(run / "models" / "failure-risk" / "README.md"));
  EXPECT_TRUE(fs::exists(run / "models" / "failure-risk" / "failure_within.json"));
  {
    auto wh = xinzhi::store::Warehouse::open_read_only((run / "warehouse.db").string());
    const auto preds = xinzhi::store::read_predictions(wh.db());
    ASSERT_EQ(preds.size(), 24u);  // 6 machines x (probability, hours, hours' 80% interval)
    for (const auto& p : preds) {
      EXPECT_EQ(p.model, "failure-risk");
      EXPECT_GT(p.trained_to, p.trained_from);
      EXPECT_LE(p.trained_to, *xinzhi::parse_iso8601("2026-01-05T00:00:00Z"));  // learned from the past only
      EXPECT_EQ(p.ts, *xinzhi::parse_iso8601("2026-01-07T06:00:00Z"));
    }
    // The schedule stage priced the maintenance and replaced the learn stage's windows by its own.
    EXPECT_EQ(xinzhi::store::read_downtime(wh.db(), {"predicted"}).size(),
              metrics["stages"][4]["metrics"]["maintenance"]["windows"].get<std::size_t>());
    const auto alarms = xinzhi::store::read_alarms(wh.db());
    EXPECT_EQ(alarms.size(), learn["alarms"]["count"].get<std::size_t>());
    EXPECT_GT(learn["alarms"]["steps_scored"].get<std::size_t>(), 1000u);
    for (const auto& a : alarms) {
      EXPECT_EQ(a.rule, "machine>0.9");
      EXPECT_GE(a.score, 0.9);
    }
  }
  const auto& replay = metrics["stages"][4]["metrics"]["replay"];
  for (const char* p : {"reactive", "predictive", "oracle"}) {
    ASSERT_TRUE(replay["policies"].contains(p)) << p;
    EXPECT_EQ(replay["policies"][p]["weighted_tardiness"]["n"], 4) << p;
  }
  // Maintenance priced by simulation for every machine with a risk that an order uses; its
  // windows are the ones the replay plans around.
  const auto& priced = metrics["stages"][4]["metrics"]["maintenance"];
  EXPECT_EQ(priced["rule"], "priced");
  ASSERT_FALSE(priced["machines"].empty());
  EXPECT_LE(priced["machines"].size(), 6u);
  std::size_t maintained = 0;
  for (const auto& m : priced["machines"]) {
    EXPECT_EQ(m["maintain"].get<bool>(), m["cost_maintain"].get<double>() < m["cost_keep"].get<double>());
    maintained += m["maintain"].get<bool>();
  }
  EXPECT_EQ(priced["windows"].get<std::size_t>(), maintained);
  EXPECT_EQ(replay["predicted_windows"].get<std::size_t>(), maintained);
  const std::string html = read_text((run / "report.html").string());
  EXPECT_NE(html.find("Failure risk at 2026-01-07T06:00:00"), std::string::npos);
  EXPECT_NE(html.find("80% interval"), std::string::npos);
  EXPECT_NE(html.find("P(failure within 24 h) per machine"), std::string::npos);
  EXPECT_NE(html.find("anomaly score (highest of each hour)"), std::string::npos);  // sensor charts with alarms
  EXPECT_NE(html.find("Realised weighted tardiness by policy"), std::string::npos);
  EXPECT_NE(html.find("the true failures replayed"), std::string::npos);

  // The same learn stage with the history taken from a warehouse (a plant's past, here the one
  // just made), on a copy of the present: a model of its own name, predictions that name it.
  fs::copy_file(run / "warehouse.db", dir / "present.db");
  write_text(dir / "again.yaml",
             "name: again\nwarehouse: " + (dir / "present.db") + "\nstages:\n  - learn:\n      history: {warehouse: " +
                 (run / "history" / "warehouse.db").string() + "}\n      model: from-history\n      horizon_h: 24\n"
                 "      rounds: 60\n      threads: 1\n      predict_at: 2026-01-07T06:00:00Z\n");
  const auto again = run_xinzhi("-q run " + (dir / "again.yaml") + " --runs-dir " + (dir / "runs2"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  {
    auto wh = xinzhi::store::Warehouse::open_read_only(dir / "present.db");
    std::size_t named = 0;
    for (const auto& p : xinzhi::store::read_predictions(wh.db())) named += p.model == "from-history";
    EXPECT_EQ(named, 24u);
  }
  // A history from a warehouse and a twin run at once is refused, naming the key.
  write_text(dir / "both.yaml", "name: both\nstages:\n  - learn:\n      history: {warehouse: h.db, days: 20}\n"
                                "      predict_at: 2026-01-07T06:00:00Z\n");
  const auto both = run_xinzhi("-q run " + (dir / "both.yaml") + " --runs-dir " + (dir / "runs3"));
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("history.warehouse"), std::string::npos) << both.output;
}
