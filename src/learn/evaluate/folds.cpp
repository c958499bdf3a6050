#include "learn/evaluate/folds.hpp"

#include <algorithm>
#include <map>
#include <random>

#include "core/error.hpp"

namespace xinzhi::learn {

std::vector<int> stratified_folds(const std::vector<int>& labels, int k, std::uint64_t seed) {
  if (k < 2) throw InternalError("cross-validation needs at least two folds");
  std::map<int, std::vector<std::size_t>> by_class;  // ordered: the result does not depend on hashing
  for (std::size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<int> fold(labels.size(), 0);
  int next = 0;  // the deal continues across classes, so that small classes do not all start at fold 0
  for (auto& [label, rows] : by_class) {
    std::shuffle(rows.begin(), rows.end(), rng);
    for (std::size_t r : rows) {
      fold[r] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

std::vector<std::size_t> rows_in_fold(const std::vector<int>& folds, int f) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < folds.size(); ++i)
    if (folds[i] == f) out.push_back(i);
  return out;
}

std::vector<std::size_t> rows_not_in_folds(const std::vector<int>& folds, const std::vector<int>& excluded) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < folds.size(); ++i)
    if (std::find(excluded.begin(), excluded.end(), folds[i]) == excluded.end()) out.push_back(i);
  return out;
}

}  // namespace xinzhi::learn
