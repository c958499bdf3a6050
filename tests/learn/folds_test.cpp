// Stratified folds: every row in exactly one fold, each class spread evenly over the folds, the
// same seed the same folds and another seed others.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "learn/evaluate/folds.hpp"

using namespace xinzhi::learn;

TEST(StratifiedFolds, SpreadsEveryClassEvenlyAndIsSeeded) {
  std::vector<int> labels(1000, 0);
  for (std::size_t i = 0; i < labels.size(); i += 29) labels[i] = 1;  // 35 positives
  for (std::size_t i = 5; i < labels.size(); i += 211) labels[i] = 2;  // a rare third class
  const auto folds = stratified_folds(labels, 5, 42);
  ASSERT_EQ(folds.size(), labels.size());
  for (int cls : {0, 1, 2}) {
    const long n = std::count(labels.begin(), labels.end(), cls);
    for (int f = 0; f < 5; ++f) {
      long in = 0;
      for (std::size_t i = 0; i < labels.size(); ++i) in += labels[i] == cls && folds[i] == f;
      EXPECT_GE(in, n / 5) << "class " << cls << " fold " << f;
      EXPECT_LE(in, n / 5 + 1) << "class " << cls << " fold " << f;
    }
  }
  std::size_t total = 0;
  for (int f = 0; f < 5; ++f) total += rows_in_fold(folds, f).size();
  EXPECT_EQ(total, labels.size());
  EXPECT_EQ(rows_not_in_folds(folds, {0, 1}).size(), rows_in_fold(folds, 2).size() + rows_in_fold(folds, 3).size() +
                                                         rows_in_fold(folds, 4).size());
  EXPECT_EQ(stratified_folds(labels, 5, 42), folds);
  EXPECT_NE(stratified_folds(labels, 5, 43), folds);
  EXPECT_ANY_THROW(stratified_folds(labels, 1, 42));
}
