// The log models (text/logs/) on warehouse records put in directly: the per-language figures
// and files of the pipeline's text stage, and `xinzhi text logs` giving the same JSON as the
// library from the same warehouse and seed; bad input is one clear message with exit code 2.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/warehouse.hpp"
#include "support/test_support.hpp"
#include "text/logs/log_data.hpp"
#include "text/logs/log_models.hpp"

using xinzhi::testing::expect_input_error;
using xinzhi::testing::read_text;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
namespace fs = std::filesystem;
namespace store = xinzhi::store;
namespace text = xinzhi::text;

namespace {

// English logs whose category and entities follow from their words: "<equipment> <fault> at
// <machine>", the equipment and fault tagged; the test split uses another sentence frame.
std::vector<store::TextRecord> logs(int n) {
  const char* equipment[] = {"pump", "motor", "fan", "valve"};
  const char* faults[][2] = {{"leaks", "leak"}, {"overheats", "overheating"}, {"vibrates", "vibration"}};
  std::vector<store::TextRecord> out;
  for (int i = 0; i < n; ++i) {
    store::TextRecord r;
    r.record_id = "R" + std::to_string(i);
    r.lang = "en";
    r.split = i % 5 == 3 ? "dev" : i % 5 == 4 ? "test" : "train";
    const std::string eq = equipment[i % 4], fault = faults[i % 3][0];
    const std::string head = r.split == "test" ? "found the " : "the ";
    r.text = head + eq + " " + fault + " at M" + std::to_string(i % 7);
    const int e0 = static_cast<int>(head.size()), e1 = e0 + static_cast<int>(eq.size());
    const int f0 = e1 + 1, f1 = f0 + static_cast<int>(fault.size());
    r.entities_json = nlohmann::json::array({{e0, e1, "EQUIPMENT"}, {f0, f1, "FAULT"}}).dump();
    r.label = faults[i % 3][1];
    out.push_back(r);
  }
  return out;
}

text::LogModelSettings tiny() {
  text::LogModelSettings s;
  s.hidden = 32, s.layers = 1, s.heads = 2;
  s.vocab_size = 150;
  s.epochs = 3;
  s.batch_size = 8;
  s.seed = 5;
  return s;
}

const char* kTinyOptions = " --hidden 32 --layers 1 --heads 2 --vocab-size 150 --epochs 3 --batch-size 8 --seed 5";

// The figures without the wall times, which differ from run to run.
nlohmann::json without_times(nlohmann::json j) {
  if (j.is_object()) {
    for (const char* k : {"seconds", "train_seconds", "test_seconds"}) j.erase(k);
    for (auto& [k, v] : j.items()) v = without_times(v);
  }
  return j;
}

}  // namespace

TEST(LogData, SplitsAreTaggedFromTheSpansAndWhatTrainingLacksIsLeftOut) {
  auto recs = logs(20);
  recs[4].label = "unheard_of";  // a test record whose category training never saw
  std::vector<const store::TextRecord*> en;
  for (const auto& r : recs) en.push_back(&r);
  const text::LogSplits s = text::split_logs(en, "en");
  EXPECT_EQ(s.records.at("train"), 12u);
  EXPECT_EQ(s.left_out.at("test: category not in training"), 1u);
  ASSERT_FALSE(s.tagged.at("train").sentences.empty());
  const auto& first = s.tagged.at("train").sentences[0];
  EXPECT_EQ(first.words, (std::vector<std::string>{"the", "pump", "leaks", "at", "M0"}));
  EXPECT_EQ(first.tags, (std::vector<std::string>{"O", "B-EQUIPMENT", "B-FAULT", "O", "O"}));
  EXPECT_EQ(s.classified.at("test").size(), 3u);
  EXPECT_EQ(s.tagged.at("test").size(), 4u);
}

TEST(LogModels, TheCommandGivesTheLibrarysFiguresFromTheSameWarehouse) {
  TempDir dir;
  const auto recs = logs(120);
  {
    store::Warehouse wh(dir / "w.db");
    wh.put_text_records(recs);
  }
  const text::LogModelsReport lib = text::train_log_models(recs, tiny(), dir / "lib");
  const auto& en = lib.metrics["languages"]["en"];
  EXPECT_EQ(lib.metrics["source"], "warehouse");
  EXPECT_EQ(en["classifier"]["test_records"], 24);
  EXPECT_TRUE(en["tagger"]["test"]["token"]["classes"].contains("B-EQUIPMENT"));
  for (const char* m : {"text-en-fault-classifier", "text-en-entity-tagger"}) {
    EXPECT_TRUE(fs::exists(fs::path(lib.models_dir) / m / "model.safetensors")) << m;
    EXPECT_FALSE(fs::exists(fs::path(lib.models_dir) / (std::string(m) + ".work"))) << m;
  }
  EXPECT_TRUE(fs::exists(dir / "lib/text/test.en.bio"));

  const auto r = run_xinzhi("-q text logs --db " + (dir / "w.db") + " -o " + (dir / "cmd") + kTinyOptions);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("en: fault classifier: accuracy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("en: entity tagger (CRF): entity precision"), std::string::npos) << r.output;
  const auto cmd = nlohmann::json::parse(read_text(dir / "cmd/metrics.json"));
  EXPECT_EQ(without_times(cmd), without_times(lib.metrics));
  EXPECT_TRUE(read_text(dir / "cmd/models/text-en-entity-tagger/model.safetensors") ==
              read_text(dir / "lib/models/text-en-entity-tagger/model.safetensors"));
}

TEST(LogModels, BadInputIsOneClearMessage) {
  TempDir dir;
  { store::Warehouse wh(dir / "empty.db"); }
  expect_input_error("text logs --db " + (dir / "empty.db") + " -o " + (dir / "o"), "no maintenance logs");
  {
    store::Warehouse wh(dir / "w.db");
    wh.put_text_records(logs(10));
  }
  expect_input_error("text logs --db " + (dir / "w.db") + " -o " + (dir / "o") + " --size huge",
                     "--size: must be tiny, mini, small or base");
  expect_input_error("text logs --db " + (dir / "w.db") + " -o " + (dir / "o") + " --hidden 30 --heads 4",
                     "--heads: must divide the hidden size 30");
  expect_input_error("text logs --db " + (dir / "w.db") + " -o " + (dir / "o") + " --entity-dropout 1.5",
                     "--entity-dropout: must be between 0 and 0.9");
  expect_input_error("text logs --db " + (dir / "w.db") + " -o " + (dir / "o") + " --languages en,fr",
                     "--languages: no records in language 'fr'");
  EXPECT_FALSE(fs::exists(dir / "o/metrics.json"));
}
