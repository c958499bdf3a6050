// `xinzhi text train|eval|predict` end to end on small synthetic data, and each kind of bad
// input giving one clear message and exit code 2.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::expect_input_error;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

// A CoNLL file where entity types follow from the words (learnable in a few steps).
std::string conll(int sentences, int seed) {
  const char* people[] = {"Anna", "Boris", "Chen", "Dora"};
  const char* places[] = {"Paris", "Lyon", "Wuhan", "Oslo"};
  std::string out = "-DOCSTART- -X- O O\n\n";
  for (int i = 0; i < sentences; ++i) {
    int a = (i + seed) % 4, b = (i * 3 + seed) % 4;
    out += std::string(people[a]) + " NNP I-NP I-PER\nvisited VBD I-VP O\n" + places[b] +
           " NNP I-NP I-LOC\nand CC O O\n" + people[b] + " NNP I-NP I-PER\nSmith NNP I-NP I-PER\n. . O O\n\n";
  }
  return out;
}

struct Trained {
  TempDir dir;
  int code = -1;
  std::string output;
  Trained() {
    write_text(dir / "train.txt", conll(40, 0));
    write_text(dir / "dev.txt", conll(8, 1));
    auto r = run_xinzhi("-q text train --task ner --train " + (dir / "train.txt") + " --dev " + (dir / "dev.txt") +
                        " -o " + (dir / "out") + " --hidden 32 --layers 1 --heads 2 --epochs 3 --batch-size 8 --lr 5e-3" +
                        " --vocab-size 80 --threads 1 --crf");
    code = r.exit_code;
    output = r.output;
  }
};

Trained& trained() {
  static Trained t;
  return t;
}

}  // namespace

TEST(TextCli, TrainEvalPredictNer) {
  auto& t = trained();
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_NE(t.output.find("token level:"), std::string::npos) << t.output;
  for (auto f : {"config.json", "vocab.txt", "model.safetensors", "tokenizer_config.json"})
    EXPECT_TRUE(std::filesystem::exists(t.dir / ("out/best/" + std::string(f)))) << f;
  auto metrics = nlohmann::json::parse(read_text(t.dir / "out/metrics.json"));
  EXPECT_LT(metrics["last_loss"].get<double>(), metrics["first_loss"].get<double>());
  // The command that made the run, for reproducing it.
  const std::string cmd = metrics["command"].get<std::string>();
  EXPECT_NE(cmd.find("text train"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("--crf"), std::string::npos) << cmd;
  auto cfg = nlohmann::json::parse(read_text(t.dir / "out/best/config.json"));
  EXPECT_EQ(cfg["architectures"][0], "BertForTokenClassification");
  EXPECT_EQ(cfg["id2label"]["0"], "B-LOC");

  auto r = run_xinzhi("text eval " + (t.dir / "out/best") + " " + (t.dir / "dev.txt") + " -o " + (t.dir / "m.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("weighted avg"), std::string::npos);
  auto m = nlohmann::json::parse(read_text(t.dir / "m.json"));
  EXPECT_EQ(m["token"]["micro avg"]["support"], 8 * 7);  // every word of dev counted once

  write_text(t.dir / "in.txt", "Chen visited Oslo .\n{\"words\": [\"Anna\", \"visited\", \"Lyon\"]}\n");
  r = run_xinzhi("text predict " + (t.dir / "out/best") + " " + (t.dir / "in.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto first = nlohmann::json::parse(r.output.substr(0, r.output.find('\n')));
  EXPECT_EQ(first["labels"].size(), 4u);
  for (auto& e : first["entities"]) {  // offsets point at the entity's characters
    std::string text = "Chen visited Oslo .";
    EXPECT_EQ(text.substr(e["start"], e["end"].get<int>() - e["start"].get<int>()), e["text"]);
  }
}

TEST(TextCli, WordShapesAndDocumentContextTravelWithTheModel) {
  TempDir dir;
  std::string train = conll(20, 0) + conll(20, 2), dev = conll(6, 1) + conll(5, 3);  // two documents each
  write_text(dir / "train.txt", train);
  write_text(dir / "dev.txt", dev);
  auto r = run_xinzhi("-q text train --task ner --train " + (dir / "train.txt") + " --dev " + (dir / "dev.txt") + " -o " +
                      (dir / "out") + " --hidden 32 --layers 1 --heads 2 --epochs 2 --batch-size 4 --lr 5e-3" +
                      " --vocab-size 80 --threads 1 --word-shape --document-context --max-length 64");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto cfg = nlohmann::json::parse(read_text(dir / "out/best/config.json"));
  EXPECT_EQ(cfg["xinzhi"]["word_shape"], true);
  EXPECT_EQ(cfg["xinzhi"]["document_context"], true);
  EXPECT_EQ(cfg["type_vocab_size"], 9);
  // eval reads the model's features from config.json; the report is still per sentence:
  // every dev word once, and no entity crosses a sentence boundary
  r = run_xinzhi("text eval " + (dir / "out/best") + " " + (dir / "dev.txt") + " -o " + (dir / "m.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto m = nlohmann::json::parse(read_text(dir / "m.json"));
  EXPECT_EQ(m["token"]["micro avg"]["support"], 11 * 7);
  EXPECT_EQ(m["entity"]["micro avg"]["support"], 11 * 3);
  // a time budget stops training cleanly and says so
  r = run_xinzhi("-q text train --task ner --train " + (dir / "train.txt") + " -o " + (dir / "t") +
                 " --hidden 16 --layers 1 --heads 2 --epochs 1000 --batch-size 4 --vocab-size 60 --threads 1" +
                 " --max-minutes 0.02");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto t = nlohmann::json::parse(read_text(dir / "t/metrics.json"));
  EXPECT_EQ(t["out_of_time"], true);
  EXPECT_LT(t["steps"].get<int>(), 1000 * 10);
  // the budget is 1.2 s; training stops at the first step past it (metrics.json says how long)
  EXPECT_GE(t["train_seconds"].get<double>(), 1.2);
  EXPECT_LT(t["train_seconds"].get<double>(), 30.0);
}

TEST(TextCli, ResumedTrainingMatchesUninterrupted) {
  TempDir dir;
  write_text(dir / "train.txt", conll(24, 0));
  const std::string common = "-q text train --task ner --train " + (dir / "train.txt") +
                             " --hidden 16 --layers 1 --heads 2 --epochs 2 --batch-size 8 --vocab-size 60 --threads 1";
  ASSERT_EQ(run_xinzhi(common + " -o " + (dir / "a")).exit_code, 0);
  ASSERT_EQ(run_xinzhi(common + " -o " + (dir / "b") + " --stop-after 4").exit_code, 0);
  auto r = run_xinzhi(common + " -o " + (dir / "b") + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(read_text(dir / "a/best/model.safetensors") == read_text(dir / "b/best/model.safetensors"))
      << "the resumed run's weights differ from the uninterrupted run's";
}

TEST(TextCli, BadInputIsOneClearMessage) {
  auto& t = trained();
  ASSERT_EQ(t.code, 0) << t.output;
  TempDir dir;
  const std::string model = t.dir / "out/best";
  auto copy_model = [&](const std::string& name) {
    std::filesystem::copy(model, dir / name, std::filesystem::copy_options::recursive);
    return dir / name;
  };
  // a truncated safetensors file
  auto m1 = copy_model("trunc");
  std::string st = read_text(m1 + "/model.safetensors");
  write_text(m1 + "/model.safetensors", st.substr(0, st.size() / 2));
  expect_input_error("text eval " + m1 + " " + (t.dir / "dev.txt"), "not a valid safetensors file");
  // shapes that contradict config.json
  auto m2 = copy_model("shape");
  auto cfg = nlohmann::json::parse(read_text(m2 + "/config.json"));
  cfg["intermediate_size"] = 64;
  write_text(m2 + "/config.json", cfg.dump());
  expect_input_error("text eval " + m2 + " " + (t.dir / "dev.txt"), "contradicts config.json");
  // a label in the test data that training never saw
  write_text(dir / "unseen.txt", "Anna B-PER\nworks O\nat O\nACME B-ORG\n");
  expect_input_error("text eval " + model + " " + (dir / "unseen.txt"), "never seen in training");
  // an empty data set
  write_text(dir / "empty.txt", "-DOCSTART- -X- O O\n\n");
  expect_input_error("text train --train " + (dir / "empty.txt") + " -o " + (dir / "o1"), "empty");
  expect_input_error("text eval " + model + " " + (dir / "empty.txt"), "empty");
  // non-UTF-8 text
  write_text(dir / "latin1.txt", "Anna B-PER\nM\xfcller I-PER\n");
  expect_input_error("text train --train " + (dir / "latin1.txt") + " -o " + (dir / "o2"), "latin1.txt:2:2");
  // a vocabulary without [UNK]
  write_text(dir / "vocab.txt", "[PAD]\n[CLS]\n[SEP]\nAnna\n");
  expect_input_error("text train --train " + (t.dir / "train.txt") + " --vocab " + (dir / "vocab.txt") + " -o " + (dir / "o3"), "[UNK]");
  // classification: empty CSV
  write_text(dir / "empty.csv", "text,label\n");
  expect_input_error("text train --task classification --train " + (dir / "empty.csv") + " -o " + (dir / "o4"), "empty");
}

TEST(TextCli, ClassificationAndRegression) {
  TempDir dir;
  std::string cls = "text,label\n", reg;
  for (int i = 0; i < 30; ++i) {
    cls += i % 2 ? "\"bearing noise, replaced bearing\",mechanical\n" : "\"fuse blown, replaced fuse\",electrical\n";
    reg += "{\"text\": \"temperature " + std::string(i % 2 ? "high hot" : "low cold") + "\", \"value\": " + (i % 2 ? "80" : "20") + "}\n";
  }
  write_text(dir / "c.csv", cls);
  write_text(dir / "r.jsonl", reg);
  auto r = run_xinzhi("-q text train --task classification --train " + (dir / "c.csv") + " --dev " + (dir / "c.csv") +
                      " -o " + (dir / "c") + " --hidden 16 --layers 1 --heads 2 --epochs 3 --batch-size 8 --lr 5e-3 --vocab-size 60 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("macro-F1"), std::string::npos) << r.output;
  write_text(dir / "in.txt", "fuse blown\n");
  r = run_xinzhi("text predict " + (dir / "c/best") + " " + (dir / "in.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"label\":"), std::string::npos) << r.output;
  r = run_xinzhi("-q text train --task regression --train " + (dir / "r.jsonl") + " --dev " + (dir / "r.jsonl") +
                 " -o " + (dir / "r") + " --hidden 16 --layers 1 --heads 2 --epochs 3 --batch-size 8 --lr 5e-3 --vocab-size 60 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("RMSE"), std::string::npos) << r.output;
  auto m = nlohmann::json::parse(read_text(dir / "r/metrics.json"));
  EXPECT_TRUE(m["dev"].contains("r2"));
}

TEST(TextCli, PretrainWithMaskedLmThenFineTune) {
  TempDir dir;
  write_text(dir / "train.txt", conll(24, 0));
  const std::string size = " --hidden 16 --layers 1 --heads 2 --batch-size 8 --threads 1";
  auto r = run_xinzhi("-q text train --task mlm --train " + (dir / "train.txt") + " -o " + (dir / "mlm") + size +
                      " --epochs 2 --vocab-size 60");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto cfg = nlohmann::json::parse(read_text(dir / "mlm/best/config.json"));
  EXPECT_EQ(cfg["architectures"][0], "BertForMaskedLM");
  r = run_xinzhi("text train --task ner --train " + (dir / "train.txt") + " -o " + (dir / "ner") + " --init " +
                 (dir / "mlm/best") + " --epochs 1 --batch-size 8 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // the encoder came from the MLM model: only the classifier is new, the MLM head is unused
  EXPECT_NE(r.output.find("initialised at random (not in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("classifier.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not used from"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("bert.encoder.layer.0.attention.self.query.weight, "), std::string::npos) << r.output;
}
