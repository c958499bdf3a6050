// fit_and_test, the pipeline's way to train and test a text model in one call, honours the same
// training noise options as `xinzhi text train` (it once ignored --entity-dropout's counterpart:
// the outside label was never set on its path).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "support/test_support.hpp"
#include "text/train/fit.hpp"

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

TrainCommand tiny(const TempDir& dir, const std::string& name, Task task, const std::string& ext) {
  TrainCommand c;
  c.task = task;
  c.train_file = dir / ("train." + ext);
  c.out_dir = dir / name;
  c.vocab_size = 60;
  c.hidden = 16, c.layers = 1, c.heads = 2, c.intermediate = 32;
  c.train.epochs = 2;
  c.train.threads = 1;
  c.train.batches.batch_size = 4;
  return c;
}

}  // namespace

TEST(TextFit, EntityDropoutReachesTheTaggerAndIsRefusedForAClassifier) {
  TempDir dir;
  write_text(dir / "train.bio", bio(24));
  write_text(dir / "test.bio", bio(6));
  const FitResult plain = fit_and_test(tiny(dir, "plain", Task::token_classification, "bio"), dir / "test.bio");
  const FitResult again = fit_and_test(tiny(dir, "again", Task::token_classification, "bio"), dir / "test.bio");
  TrainCommand noisy_command = tiny(dir, "noisy", Task::token_classification, "bio");
  noisy_command.train.batches.entity_dropout = 0.5;
  const FitResult noisy = fit_and_test(noisy_command, dir / "test.bio");
  ASSERT_EQ(plain.train.losses.size(), noisy.train.losses.size());
  EXPECT_EQ(plain.train.losses, again.train.losses);  // seeded: the same run twice is the same
  EXPECT_NE(plain.train.losses, noisy.train.losses);  // the entity words were masked

  write_text(dir / "train.jsonl", "{\"text\": \"pump leaks\", \"label\": \"leak\"}\n{\"text\": \"all fine\", \"label\": \"normal\"}\n");
  write_text(dir / "test.jsonl", "{\"text\": \"pump leaks\", \"label\": \"leak\"}\n");
  TrainCommand classifier = tiny(dir, "cls", Task::sequence_classification, "jsonl");
  classifier.train.batches.entity_dropout = 0.5;
  try {
    fit_and_test(classifier, dir / "test.jsonl");
    ADD_FAILURE() << "entity dropout on a classifier was accepted";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("needs a ner training set"), std::string::npos) << e.what();
  }
}
