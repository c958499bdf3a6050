// Every stage runnable alone, with the pipeline's results: simulate -> ingest -> clean -> text ->
// schedule run as separate commands on one warehouse give the figures the pipeline gives for the
// same seed (the search with a fixed number of iterations on one thread, so that it repeats).
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using xinzhi::testing::read_text;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::source_dir;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;
namespace fs = std::filesystem;

namespace {

nlohmann::json without_times(nlohmann::json j) {
  if (j.is_object()) {
    for (const char* k : {"seconds", "train_seconds", "test_seconds"}) j.erase(k);
    for (auto& [k, v] : j.items()) v = without_times(v);
  }
  return j;
}

std::int64_t count(const std::string& db, const std::string& sql) {
  store::Database d(db, store::Database::Mode::read_only);
  return store::query_int(d, sql).value_or(-1);
}

}  // namespace

TEST(ChainedCommands, EachStageAloneGivesThePipelinesFigures) {
  TempDir dir;
  const std::string root = source_dir();
  const std::string plant_yaml = root + "/examples/smart-factory/plant.yaml";
  const std::string rules = root + "/examples/smart-factory/clean.yaml";

  // The pipeline.
  write_text(dir / "p.yaml", "name: chain\nseed: 42\nwarehouse: run\nstages:\n"
                             "  - simulate: {plant: " + plant_yaml + ", days: 2, machines: 6}\n"
                             "  - ingest: {}\n"
                             "  - clean: {rules: " + rules + "}\n"
                             "  - text: {size: tiny, hidden: 32, layers: 1, heads: 2, epochs: 2, vocab_size: 300, threads: 1}\n"
                             "  - schedule: {backlog: true, objective: tardiness, iterations: 400, threads: 1, seed: 3, "
                             "replications: 4}\n");
  auto r = run_xinzhi("-q run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path run = fs::directory_iterator(dir / "runs")->path();
  const auto metrics = nlohmann::json::parse(read_text((run / "metrics.json").string()));
  auto stage = [&](const char* name) {
    for (const auto& s : metrics["stages"])
      if (s["name"] == name) return s["metrics"];
    ADD_FAILURE() << "no stage " << name;
    return nlohmann::json();
  };

  // The same, one command at a time, on one warehouse.
  const std::string plant = dir / "plant", db = dir / "w.db";
  r = run_xinzhi("-q simulate --plant " + plant_yaml + " --days 2 --machines 6 --seed 42 --out " + plant);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_xinzhi("-q ingest " + plant + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;  // a few truncated lines stay under --max-quarantine's 1%
  EXPECT_NE(r.output.find("left alone: truth/"), std::string::npos) << r.output;
  r = run_xinzhi("-q clean --db " + db + " --rules " + rules + " --truth " + plant + " --out " + (dir / "clean.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_xinzhi("-q text logs --db " + db + " -o " + (dir / "text") +
                 " --size tiny --hidden 32 --layers 1 --heads 2 --epochs 2 --vocab-size 300 --threads 1 --seed 42");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_xinzhi("-q schedule --db " + db + " --backlog --objective tardiness --iterations 400 --threads 1 --seed 3 --out " +
                 (dir / "plan.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // Ingest: the same rows in the same tables (the pipeline's warehouse is the run's).
  const std::string run_db = (run / "warehouse.db").string();
  for (const char* table : {"readings", "quarantine", "text_records", "production_orders", "downtime_windows", "sensors",
                            "machines"}) {
    SCOPED_TRACE(table);
    const std::string sql = std::string("SELECT count(*) FROM ") + table;
    EXPECT_GT(count(db, sql), 0);
    EXPECT_EQ(count(db, sql), count(run_db, sql));
  }
  EXPECT_EQ(stage("ingest")["readings"].get<std::int64_t>(), count(db, "SELECT count(*) FROM readings"));
  EXPECT_EQ(count(db, "SELECT sum(value) FROM readings") , count(run_db, "SELECT sum(value) FROM readings"));

  // Clean: the same report, and the same scores against the twin's truth.
  const auto clean = nlohmann::json::parse(read_text(dir / "clean.json"));
  const auto staged = stage("clean");
  for (const char* key : {"rows_in", "rows_clean", "rows_dropped", "rows_inserted", "values_imputed", "values_missing",
                          "aligned_rows", "steps", "quality"})
    EXPECT_EQ(clean[key], staged[key]) << key;
  EXPECT_EQ(clean["truth"], staged["truth_score"]);
  EXPECT_EQ(clean["series"], staged["series"]);

  // Text: the same models and figures.
  const auto text = nlohmann::json::parse(read_text(dir / "text/metrics.json"));
  EXPECT_EQ(without_times(text), without_times(stage("text")));
  for (const char* lang : {"en", "zh"})
    EXPECT_GT(text["languages"][lang]["classifier"]["test"]["accuracy"].get<double>(), 0) << lang;

  // Schedule: the same plan around the same downtime.
  const auto plan = nlohmann::json::parse(read_text(dir / "plan.json"));
  EXPECT_GT(plan["total_weighted_tardiness"].get<double>(), 0);  // a search that has work to do
  EXPECT_EQ(plan["total_weighted_tardiness"], stage("schedule")["plan"]["weighted_tardiness"]);
  EXPECT_EQ(plan["makespan"], stage("schedule")["plan"]["makespan_min"]);
  EXPECT_EQ(stage("schedule")["downtime_windows"]["planned"], count(db, "SELECT count(*) FROM downtime_windows"));
}
