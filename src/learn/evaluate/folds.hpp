// Seeded cross-validation folds: a stratified split keeps each class's share the same in every
// fold (a rare failure class would otherwise leave some folds without a single positive). The
// assignment is written out by the benchmarks so that a peer in another language uses the very
// same folds.
#pragma once

#include <cstdint>
#include <vector>

namespace xinzhi::learn {

// The fold (0..k-1) of each row: each class's rows are shuffled with the seed and dealt to the
// folds in turn, so fold sizes per class differ by at most one. Labels are any ints (classes).
std::vector<int> stratified_folds(const std::vector<int>& labels, int k, std::uint64_t seed);

// The rows whose fold is (or is not) the given one, in row order.
std::vector<std::size_t> rows_in_fold(const std::vector<int>& folds, int fold);
std::vector<std::size_t> rows_not_in_folds(const std::vector<int>& folds, const std::vector<int>& excluded);

}  // namespace xinzhi::learn
