// Imputation of missing values in time series: previous value, linear (by position),
// time-weighted linear, seasonal (same time one season earlier, anchored to the gap's ends) and
// correlated (a regression on the machine's other sensors at the same instant, anchored to the
// gap's ends). Gaps longer than max_gap stay missing, and so do leading and trailing gaps
// (they have no known value on one side).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::clean {

enum class ImputeMethod { none, previous, linear, time_linear, seasonal, correlated };

// "none", "previous", "linear", "time_linear", "seasonal", "correlated"; false for others.
bool parse_impute_method(const std::string& name, ImputeMethod& out);
std::string to_string(ImputeMethod m);

struct ImputeOptions {
  ImputeMethod method = ImputeMethod::correlated;
  std::int64_t max_gap_ms = 0;    // <= 0: no limit. A gap is the time between the valid neighbours.
  std::int64_t season_ms = 86400000;
  int max_predictors = 6;         // correlated: the most correlated other sensors used at most
};

// One series (ts sorted ascending): fills NaN entries of v in place and returns how many were
// filled; filled[i] = 1 where a value was imputed. The correlated method falls back to seasonal
// here (it needs the other sensors: use impute_columns).
std::size_t impute_series(const std::vector<TimestampMs>& ts, std::vector<double>& v, const ImputeOptions& o,
                          std::vector<std::uint8_t>* filled = nullptr);

// Columns sharing one time index (a machine's sensors on one grid). Each column is imputed by
// options[c]; the correlated method regresses column c on the other columns known at the same
// row (least squares over the rows where they are all known), then adds the residual
// interpolated in time between the gap's ends so that the fill meets the known values.
// Regressions use only values that were known before imputation.
std::size_t impute_columns(const std::vector<TimestampMs>& ts, std::vector<std::vector<double>>& cols,
                           const std::vector<ImputeOptions>& options,
                           std::vector<std::vector<std::uint8_t>>* filled = nullptr);

}  // namespace xinzhi::clean
