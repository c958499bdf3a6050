// Measures of a model's predictions against the truth, as the papers and peers we compare with
// compute them: RMSE and the PHM08 score for remaining useful life, precision / recall / F1 and
// the area under the precision-recall curve (average precision) for failure classification.
#pragma once

#include <cstddef>
#include <vector>

namespace xinzhi::learn {

double rmse(const std::vector<double>& predicted, const std::vector<double>& truth);
double mae(const std::vector<double>& predicted, const std::vector<double>& truth);
// PHM08 challenge score: sum of exp(-d/13) - 1 for early predictions (d < 0) and exp(d/10) - 1
// for late ones, d = predicted - true RUL; late predictions cost more.
double phm08_score(const std::vector<double>& predicted, const std::vector<double>& truth);

struct BinaryCounts {
  std::size_t tp = 0, fp = 0, fn = 0, tn = 0;
  double precision() const { return tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0; }
  double recall() const { return tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0; }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
};
// Scores at or above threshold count as positive; truth is 0 or 1.
BinaryCounts binary_counts(const std::vector<double>& score, const std::vector<int>& truth, double threshold);
// Average precision (scikit-learn's average_precision_score): sum over thresholds of
// (recall step) x precision, ties of score taken together.
double average_precision(const std::vector<double>& score, const std::vector<int>& truth);
// The threshold that maximises F1 over the given scores (ties: the higher threshold).
double best_f1_threshold(const std::vector<double>& score, const std::vector<int>& truth);

// The threshold (flag score >= it) that maximises gain: each flagged positive earns `per_true`,
// each flag costs `per_flag` (true or not). A decision rule's threshold, where F1's balance of
// precision and recall is not the user's. Above every score (flag nothing) when no threshold gains.
double best_gain_threshold(const std::vector<double>& score, const std::vector<int>& truth, double per_true,
                           double per_flag);

struct MeanStd {
  double mean = 0, stddev = 0;  // sample standard deviation (n - 1)
};
MeanStd mean_std(const std::vector<double>& values);

}  // namespace xinzhi::learn
