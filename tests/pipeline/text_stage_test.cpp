// The pipeline's text stage through the real `xinzhi run`: on a small simulated plant it trains
// a fault-category classifier and an entity tagger per language (en, zh) from scratch, tests
// them on the split of unseen templates, and reports both; bad settings are refused up front.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;
namespace fs = std::filesystem;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

bool has_run_folder(const TempDir& dir) {
  std::error_code ec;
  return fs::exists(dir / "runs", ec) && !fs::is_empty(dir / "runs", ec);
}

// A small plant (few days, few machines, 700 logs) and a small model, run once for the tests
// that look at its text stage.
const char* kTextSettings =
    "{size: tiny, hidden: 64, heads: 2, layers: 1, epochs: 6, lr: 0.002, batch_size: 16, vocab_size: 600, threads: 1}";
struct SmallRun {
  TempDir dir;
  xinzhi::testing::CommandResult result;
  fs::path run;
  SmallRun() {
    write_text(dir / "plant.yaml", "records: {count: 700, zh_share: 0.5, dev_share: 0.1, test_share: 0.2}\n");
    write_text(dir / "p.yaml",
               "name: sf\nseed: 7\nstages:\n  - simulate: {plant: plant.yaml, days: 3, machines: 4}\n  - ingest: {}\n"
               "  - text: " + std::string(kTextSettings) + "\n");
    result = run_xinzhi("-q run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
    if (result.exit_code == 0) run = fs::directory_iterator(dir / "runs")->path();
  }
};
SmallRun& small_run() {
  static SmallRun r;
  return r;
}

// The figures without the wall times, which differ from run to run.
nlohmann::json without_times(nlohmann::json j) {
  if (j.is_object()) {
    for (const char* k : {"seconds", "train_seconds", "test_seconds"}) j.erase(k);
    for (auto& [k, v] : j.items()) v = without_times(v);
  }
  return j;
}

}  // namespace

TEST(TextStage, BadSettingsAreRefusedBeforeAnythingRuns) {
  TempDir dir;
  write_text(dir / "p.yaml", "name: t\nstages:\n  - simulate: {days: 1}\n  - text:\n      epochz: 3\n");
  auto r = run_xinzhi("run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("p.yaml:5:7: unknown key 'stages[1].text.epochz'"), std::string::npos) << r.output;
  write_text(dir / "p.yaml", "name: t\nstages:\n  - simulate: {days: 1}\n  - text:\n      size: huge\n");
  r = run_xinzhi("run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("stages[1].text.size: must be tiny, mini, small or base"), std::string::npos) << r.output;
  write_text(dir / "p.yaml", "name: t\nstages:\n  - text: {epochs: 0}\n");
  r = run_xinzhi("run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("stages[0].text.epochs: must be at least 1"), std::string::npos) << r.output;
  write_text(dir / "p.yaml", "name: t\nstages:\n  - text: {token_dropout: 1.5}\n");
  r = run_xinzhi("run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("stages[0].text.token_dropout: must be between 0 and 0.9"), std::string::npos) << r.output;
  EXPECT_FALSE(has_run_folder(dir));
}

TEST(TextStage, WithoutLogsTheStageFailsWithAClearMessage) {
  TempDir dir;
  write_text(dir / "a.csv", "ts,machine,sensor,value\n2026-01-01T00:00:00Z,M1,power,1\n");
  write_text(dir / "p.yaml", "name: t\nstages:\n  - ingest: {path: a.csv}\n  - text: {}\n");
  const auto r = run_xinzhi("-q run " + (dir / "p.yaml") + " --runs-dir " + (dir / "runs"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no maintenance logs"), std::string::npos) << r.output;
}

// A small plant (few days, few machines, 700 logs) and a small model: the classifier must beat
// the majority-class baseline on the test split of unseen templates, in both languages, and
// the tagger must find entities there.
TEST(TextStage, TrainsAndReportsClassifierAndTaggerForBothLanguages) {
  const auto& r = small_run().result;
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path& run = small_run().run;
  const auto metrics = nlohmann::json::parse(read_text((run / "metrics.json").string()));
  const auto& stage = metrics["stages"][2];
  ASSERT_EQ(stage["name"], "text");
  ASSERT_EQ(stage["status"], "ok") << stage.dump(1);
  const auto& m = stage["metrics"];
  EXPECT_EQ(m["source"], "warehouse");  // ingest loaded the logs; the stage read them there
  const std::string html = read_text((run / "report.html").string());
  for (const char* lang : {"en", "zh"}) {
    SCOPED_TRACE(lang);
    ASSERT_TRUE(m["languages"].contains(lang)) << m.dump(1);
    const auto& c = m["languages"][lang]["classifier"];
    const auto& t = m["languages"][lang]["tagger"];
    const double acc = c["test"]["accuracy"], base = c["majority_baseline"]["accuracy"];
    EXPECT_GT(acc, base) << c.dump(1);
    EXPECT_GT(c["test"]["macro_f1"].get<double>(), c["majority_baseline"]["macro_f1"].get<double>());
    EXPECT_GT(c["test_records"].get<int>(), 20);
    // The per-class report covers every category of the test split.
    EXPECT_TRUE(c["test"]["report"].contains("macro avg"));
    EXPECT_TRUE(c["test"]["report"]["classes"].contains("normal"));
    // Token-level and entity-level reports of the tagger; it must find entities in unseen templates.
    EXPECT_TRUE(t["test"]["token"]["classes"].contains("O"));
    EXPECT_TRUE(t["test"]["token"]["classes"].contains("B-EQUIPMENT"));
    EXPECT_GT(t["test"]["entity"]["micro avg"]["f1"].get<double>(), 0.3) << t["test"]["entity"].dump(1);
    EXPECT_TRUE(t["crf"].get<bool>());
    for (const char* kind : {"fault-classifier", "entity-tagger"}) {
      const fs::path model = run / "models" / (std::string("text-") + lang + "-" + kind);
      for (const char* f : {"config.json", "vocab.txt", "model.safetensors"}) EXPECT_TRUE(fs::exists(model / f)) << model / f;
      EXPECT_FALSE(fs::exists(model.string() + ".work"));
    }
    EXPECT_TRUE(fs::exists(run / "text" / (std::string("test.") + lang + ".bio")));
  }
  // Both reports per language in report.html: the per-class table and the tagger's token- and
  // entity-level tables, in the layout of `xinzhi text eval`.
  EXPECT_NE(html.find("English (en): fault-category classifier"), std::string::npos);
  EXPECT_NE(html.find("Chinese (zh): entity tagger"), std::string::npos);
  EXPECT_EQ(count(html, "token level:"), 2u);
  EXPECT_EQ(count(html, "entity level (conlleval / seqeval default):"), 2u);
  EXPECT_GE(count(html, "precision    recall  f1-score   support"), 8u);  // 2 x (1 + 3)
  EXPECT_EQ(count(html, "majority-class baseline"), 2u);
}

// `xinzhi text logs` on the run's warehouse with the stage's settings and the pipeline's seed:
// the same figures (and the same models) as the stage.
TEST(TextStage, TheTextLogsCommandGivesTheStagesFigures) {
  const auto& r = small_run().result;
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path& run = small_run().run;
  const TempDir out;
  const auto c = run_xinzhi("-q text logs --db " + (run / "warehouse.db").string() + " -o " + (out / "logs") +
                            " --size tiny --hidden 64 --heads 2 --layers 1 --epochs 6 --lr 0.002 --batch-size 16"
                            " --vocab-size 600 --threads 1 --seed 7");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const auto stage = nlohmann::json::parse(read_text((run / "metrics.json").string()))["stages"][2];
  ASSERT_EQ(stage["name"], "text");
  const auto command = nlohmann::json::parse(read_text(out / "logs/metrics.json"));
  EXPECT_EQ(without_times(command), without_times(stage["metrics"]));
  for (const char* lang : {"en", "zh"}) {
    SCOPED_TRACE(lang);
    const double acc = stage["metrics"]["languages"][lang]["classifier"]["test"]["accuracy"];
    EXPECT_NE(c.output.find(fmt::format("{}: fault classifier: accuracy {:.4f}", lang, acc)), std::string::npos) << c.output;
    for (const char* kind : {"fault-classifier", "entity-tagger"}) {
      const std::string model = std::string("models/text-") + lang + "-" + kind + "/model.safetensors";
      EXPECT_TRUE(read_text((run / model).string()) == read_text(out / ("logs/" + model))) << model;
    }
  }
}
