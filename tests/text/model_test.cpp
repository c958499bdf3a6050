// The BERT model: Hugging Face names and shapes, save/load round trip with bit-identical
// predictions, legacy checkpoints, contradicting shapes, CRF decoding, training behaviour.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "support/test_support.hpp"
#include "text/data/examples.hpp"
#include "text/model/model.hpp"
#include "text/model/safetensors.hpp"
#include "text/train/trainer.hpp"

using namespace xinzhi::text;
using xinzhi::testing::TempDir;

namespace {

ModelConfig tiny(Task task, bool crf = false) {
  ModelConfig c;
  c.vocab_size = 50;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 64;
  c.task = task;
  c.crf = crf;
  if (task == Task::regression) c.labels = {"LABEL_0"};
  else if (task != Task::masked_lm) c.labels = {"B-X", "I-X", "O"};
  return c;
}

// Random token-classification examples whose label is a function of the token (learnable).
std::vector<Example> toy_ner(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Example> out;
  for (size_t i = 0; i < n; ++i) {
    Example e;
    size_t len = 3 + rng() % 6;
    e.ids.push_back(2);
    for (size_t w = 0; w < len; ++w) {
      int32_t tok = 5 + static_cast<int32_t>(rng() % 40);
      e.word_pos.push_back(static_cast<int32_t>(e.ids.size()));
      e.word_labels.push_back(tok < 15 ? 0 : tok < 20 ? 1 : 2);
      e.word_index.push_back(static_cast<int32_t>(w));
      e.scored.push_back(1);
      e.ids.push_back(tok);
    }
    e.ids.push_back(3);
    out.push_back(e);
  }
  return out;
}

Batch batch_of(const std::vector<Example>& ex, Task task = Task::token_classification, int64_t labels = 3) {
  return make_batch(ex, 0, ex.size(), task, labels, 0);
}

}  // namespace

TEST(Model, HuggingFaceNamesAndShapes) {
  Model m(tiny(Task::sequence_classification), 1);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (auto& t : m.state()) shapes[t.name] = t.shape;
  EXPECT_EQ(shapes["bert.embeddings.word_embeddings.weight"], (std::vector<int64_t>{50, 16}));
  EXPECT_EQ(shapes["bert.embeddings.position_embeddings.weight"], (std::vector<int64_t>{64, 16}));
  EXPECT_EQ(shapes["bert.embeddings.token_type_embeddings.weight"], (std::vector<int64_t>{2, 16}));
  EXPECT_EQ(shapes["bert.encoder.layer.1.attention.self.query.weight"], (std::vector<int64_t>{16, 16}));
  EXPECT_EQ(shapes["bert.encoder.layer.0.intermediate.dense.weight"], (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(shapes["bert.encoder.layer.0.output.dense.weight"], (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(shapes["bert.encoder.layer.0.output.LayerNorm.bias"], (std::vector<int64_t>{16}));
  EXPECT_EQ(shapes["bert.pooler.dense.weight"], (std::vector<int64_t>{16, 16}));
  EXPECT_EQ(shapes["classifier.weight"], (std::vector<int64_t>{3, 16}));
  Model mlm(tiny(Task::masked_lm), 1);
  std::set<std::string> names;
  for (auto& t : mlm.state()) names.insert(t.name);
  EXPECT_TRUE(names.count("cls.predictions.transform.dense.weight"));
  EXPECT_TRUE(names.count("cls.predictions.bias"));
  EXPECT_FALSE(names.count("cls.predictions.decoder.weight"));  // tied to the word embeddings
  EXPECT_FALSE(names.count("bert.pooler.dense.weight"));
}

TEST(Model, SaveLoadGivesBitIdenticalPredictions) {
  TempDir dir;
  for (bool crf : {false, true}) {
    Model m(tiny(Task::token_classification, crf), 7);
    auto b = batch_of(toy_ner(6, 3));
    auto p1 = m.predict(b);
    m.save(dir / "m");
    LoadReport rep;
    Model back = Model::load(dir / "m", &rep);
    EXPECT_TRUE(rep.missing.empty());
    EXPECT_TRUE(rep.unexpected.empty());
    auto p2 = back.predict(b);
    EXPECT_EQ(p1.labels, p2.labels);
    ASSERT_EQ(p1.scores.size(), p2.scores.size());
    EXPECT_EQ(0, std::memcmp(p1.scores.data(), p2.scores.data(), p1.scores.size() * sizeof(float)));
    EXPECT_EQ(back.config().crf, crf);
  }
}

TEST(Model, LoadsLegacyCheckpointsAndReportsKeys) {
  TempDir dir;
  Model src(tiny(Task::masked_lm), 3);
  std::vector<NamedTensor> legacy;
  for (auto t : src.state()) {
    // TF-era LayerNorm names, a BertModel without the "bert." prefix
    if (t.name.size() > 7 && t.name.compare(t.name.size() - 7, 7, ".weight") == 0 && t.name.find("LayerNorm") != std::string::npos)
      t.name = t.name.substr(0, t.name.size() - 7) + ".gamma";
    if (t.name.rfind("bert.", 0) == 0) t.name = t.name.substr(5);
    legacy.push_back(t);
  }
  legacy.push_back({"embeddings.position_ids", {1, 64}, std::vector<float>(64, 0.f)});
  legacy.push_back({"some.other.weight", {1}, {1.f}});
  std::filesystem::create_directories(dir / "m");
  write_safetensors(dir / "m/model.safetensors", legacy);
  xinzhi::write_file_atomic(dir / "m/config.json", tiny(Task::token_classification).to_json());
  LoadReport rep;
  Model m = Model::load(dir / "m", &rep);
  // a token classifier from an MLM checkpoint: classifier missing, the MLM head unexpected
  EXPECT_EQ(rep.missing, (std::vector<std::string>{"classifier.weight", "classifier.bias"}));
  EXPECT_NE(std::find(rep.unexpected.begin(), rep.unexpected.end(), "some.other.weight"), rep.unexpected.end());
  EXPECT_NE(std::find(rep.unexpected.begin(), rep.unexpected.end(), "cls.predictions.bias"), rep.unexpected.end());
  EXPECT_EQ(std::find(rep.unexpected.begin(), rep.unexpected.end(), "embeddings.position_ids"), rep.unexpected.end());
  // the encoder weights came through (LayerNorm gamma included)
  auto st = m.state(), orig = src.state();
  auto find = [](const std::vector<NamedTensor>& v, const std::string& n) {
    return *std::find_if(v.begin(), v.end(), [&](auto& t) { return t.name == n; });
  };
  EXPECT_EQ(find(st, "bert.encoder.layer.1.output.LayerNorm.weight").data,
            find(orig, "bert.encoder.layer.1.output.LayerNorm.weight").data);
  EXPECT_EQ(find(st, "bert.embeddings.word_embeddings.weight").data, find(orig, "bert.embeddings.word_embeddings.weight").data);
}

TEST(Model, ShapesContradictingConfigAreInputErrors) {
  TempDir dir;
  Model m(tiny(Task::token_classification), 1);
  m.save(dir / "m");
  ModelConfig bigger = tiny(Task::token_classification);
  bigger.hidden_size = 32;
  xinzhi::write_file_atomic(dir / "m/config.json", bigger.to_json());
  try {
    Model::load(dir / "m");
    FAIL() << "no error";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("contradicts config.json"), std::string::npos) << e.what();
  }
}

TEST(Model, ViterbiFindsTheBestPath) {
  // With strong transitions the CRF must override the per-word argmax.
  Model m(tiny(Task::token_classification, true), 5);
  auto ex = toy_ner(4, 9);
  auto b = batch_of(ex);
  auto crf = m.predict(b);
  // each row: valid words get labels, padding gets -1
  for (int64_t r = 0; r < b.size; ++r)
    for (int64_t w = 0; w < b.words; ++w) {
      const bool valid = w < static_cast<int64_t>(ex[static_cast<size_t>(r)].word_pos.size());
      EXPECT_EQ(crf.labels[static_cast<size_t>(r * b.words + w)] >= 0, valid);
    }
}

TEST(Trainer, LossDecreasesAndResumeEqualsUninterrupted) {
  TempDir dir;
  auto data = toy_ner(48, 1);
  TrainOptions o;
  o.lr = 3e-3;
  o.epochs = 3;
  o.threads = 1;
  o.batches.batch_size = 8;
  o.seed = 11;
  o.accumulation = 2;
  o.out_dir = dir / "full";
  Model full(tiny(Task::token_classification, true), 11);
  auto r = train(full, data, o, nullptr, nullptr);
  ASSERT_EQ(r.steps, 9);  // 6 batches / 2 per step * 3 epochs
  double first = (r.losses[0] + r.losses[1]) / 2, last = (r.losses[7] + r.losses[8]) / 2;
  EXPECT_LT(last, first * 0.9) << "loss did not decrease: " << first << " -> " << last;

  o.out_dir = dir / "parts";
  o.stop_after = 4;  // interrupted in the middle of epoch 2
  Model part(tiny(Task::token_classification, true), 11);
  train(part, data, o, nullptr, nullptr);
  o.stop_after = 0;
  o.resume = true;
  Model resumed(tiny(Task::token_classification, true), 999);  // weights come from the checkpoint
  auto r2 = train(resumed, data, o, nullptr, nullptr);
  EXPECT_EQ(r2.steps, 9);
  EXPECT_EQ(r2.losses, r.losses);
  auto a = full.state(), b = resumed.state();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].data, b[i].data) << a[i].name;
}

TEST(Trainer, AccumulationNormalisesOverTheWholeBatch) {
  // One step of batch 8 and one step of 2 x batch 4 give the same update (no dropout).
  auto data = toy_ner(8, 2);
  ModelConfig c = tiny(Task::token_classification);
  c.hidden_dropout_prob = c.attention_probs_dropout_prob = 0;
  TrainOptions o;
  o.epochs = 1;
  o.threads = 1;
  o.warmup_ratio = 0;
  o.lr = 1e-3;
  o.batches.bucket = false;
  o.batches.shuffle = false;
  o.batches.batch_size = 8;
  Model a(c, 4), b(c, 4);
  train(a, data, o, nullptr, nullptr);
  o.batches.batch_size = 4;
  o.accumulation = 2;
  train(b, data, o, nullptr, nullptr);
  auto sa = a.state(), sb = b.state();
  double maxdiff = 0;
  for (size_t i = 0; i < sa.size(); ++i)
    for (size_t k = 0; k < sa[i].data.size(); ++k) maxdiff = std::max(maxdiff, std::abs(double(sa[i].data[k]) - sb[i].data[k]));
  EXPECT_LT(maxdiff, 1e-5);
}

TEST(Trainer, SequenceHeadsLearn) {
  for (Task task : {Task::sequence_classification, Task::regression, Task::multi_label, Task::masked_lm}) {
    std::mt19937_64 rng(5);
    std::vector<Example> data;
    for (int i = 0; i < 64; ++i) {
      Example e;
      const int32_t k = static_cast<int32_t>(rng() % 3);
      e.ids = {2, 5 + k, 5 + static_cast<int32_t>(rng() % 40), 5 + k, 3};
      if (task == Task::masked_lm) {  // a repeated random token: predictable from its context
        const int32_t a = 5 + static_cast<int32_t>(rng() % 10);
        e.ids = {2, a, a, a, a, a, a, a, a, 3};
      }
      e.label = k;
      if (task == Task::regression) e.targets = {static_cast<float>(k)};
      if (task == Task::multi_label) e.targets = {k == 0 ? 1.f : 0.f, k == 1 ? 1.f : 0.f, k >= 1 ? 1.f : 0.f};
      data.push_back(e);
    }
    ModelConfig c = tiny(task);
    TrainOptions o;
    o.lr = 3e-3;
    o.epochs = 16;
    o.threads = 1;
    o.batches.batch_size = 16;
    o.batches.vocab_size = 50;
    o.batches.mask_id = 4;
    Model m(c, 3);
    auto r = train(m, data, o, nullptr, nullptr);
    ASSERT_EQ(r.losses.size(), 64u);
    double first = 0, last = 0;
    for (int i = 0; i < 8; ++i) first += r.losses[static_cast<size_t>(i)], last += r.losses[r.losses.size() - 1 - static_cast<size_t>(i)];
    EXPECT_LT(last, first * 0.9) << task_name(task) << " " << ::testing::PrintToString(r.losses);
  }
}
