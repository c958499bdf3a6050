// The training driver, the one way `xinzhi text train`, `text tune` and the log models train,
// honours the same training noise options for each of them (the pipeline's path once ignored
// --entity-dropout's counterpart: the outside label was never set on it).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "support/test_support.hpp"
#include "text/data/data_files.hpp"
#include "text/train/driver.hpp"

using namespace xinzhi::text;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

std::string bio(int sentences) {
  const char* people[] = {"Anna", "Boris", "Chen", "Dora"};
  const char* places[] = {"Paris", "Lyon", "Wuhan"};
  std::string out;
  for (int i = 0; i < sentences; ++i)
    out += std::string(people[i % 4]) + " B-PER\nvisited O\n" + places[i % 3] + " B-LOC\ntoday O\n\n";
  return out;
}

TrainSettings tiny(const TempDir& dir, const std::string& name, Task task) {
  TrainSettings c;
  c.task = task;
  c.train.out_dir = dir / name;
  c.vocab_size = 60;
  c.hidden = 16, c.layers = 1, c.heads = 2, c.intermediate = 32;
  c.train.epochs = 2;
  c.train.threads = 1;
  c.train.batches.batch_size = 4;
  return c;
}

}  // namespace

TEST(TextDriver, EntityDropoutReachesTheTaggerAndIsRefusedForAClassifier) {
  TempDir dir;
  write_text(dir / "train.bio", bio(24));
  const TextData train = read_text_data(dir / "train.bio", Task::token_classification);
  const TrainedText plain = train_text_model(train, nullptr, tiny(dir, "plain", Task::token_classification));
  const TrainedText again = train_text_model(train, nullptr, tiny(dir, "again", Task::token_classification));
  TrainSettings noisy_settings = tiny(dir, "noisy", Task::token_classification);
  noisy_settings.train.batches.entity_dropout = 0.5;
  const TrainedText noisy = train_text_model(train, nullptr, noisy_settings);
  ASSERT_EQ(plain.result.losses.size(), noisy.result.losses.size());
  EXPECT_EQ(plain.result.losses, again.result.losses);  // seeded: the same run twice is the same
  EXPECT_NE(plain.result.losses, noisy.result.losses);  // the entity words were masked

  write_text(dir / "train.jsonl", "{\"text\": \"pump leaks\", \"label\": \"leak\"}\n{\"text\": \"all fine\", \"label\": \"normal\"}\n");
  const TextData records = read_text_data(dir / "train.jsonl", Task::sequence_classification);
  TrainSettings classifier = tiny(dir, "cls", Task::sequence_classification);
  classifier.train.batches.entity_dropout = 0.5;
  try {
    train_text_model(records, nullptr, classifier);
    ADD_FAILURE() << "entity dropout on a classifier was accepted";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("needs a ner training set"), std::string::npos) << e.what();
  }
}
