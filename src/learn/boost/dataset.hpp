// A dense table of features for the boosted models: rows of float features (NaN where a value
// is missing, which XGBoost treats as missing), one label and an optional weight per row. Rows
// keep the order they were added in: callers add them in time order, and splits by time
// (split.hpp) rely on it.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace xinzhi::learn {

struct Dataset {
  std::vector<std::string> features;  // column names, the model's feature list
  std::vector<float> x;               // rows() * features.size(), row-major
  std::vector<float> y;               // one label per row
  std::vector<float> weight;          // empty: every row weighs 1

  std::size_t rows() const { return y.size(); }
  std::size_t cols() const { return features.size(); }
  std::span<const float> row(std::size_t i) const { return {x.data() + i * cols(), cols()}; }
  void add(std::span<const float> values, float label);
  // The rows [begin, end) as a dataset of their own (same features).
  Dataset slice(std::size_t begin, std::size_t end) const;
  // The rows whose indices are given, in that order.
  Dataset pick(const std::vector<std::size_t>& indices) const;
};

}  // namespace xinzhi::learn
