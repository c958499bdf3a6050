#include "learn/evaluate/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace xinzhi::learn {

namespace {
void same_size(std::size_t a, std::size_t b) {
  if (a != b) throw InternalError("predictions and truth differ in length");
  if (a == 0) throw InternalError("no predictions to measure");
}
// Indices by score, highest first.
std::vector<std::size_t> by_score_desc(const std::vector<double>& score) {
  std::vector<std::size_t> idx(score.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  return idx;
}
}  // namespace

double rmse(const std::vector<double>& p, const std::vector<double>& t) {
  same_size(p.size(), t.size());
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) s += (p[i] - t[i]) * (p[i] - t[i]);
  return std::sqrt(s / static_cast<double>(p.size()));
}

double mae(const std::vector<double>& p, const std::vector<double>& t) {
  same_size(p.size(), t.size());
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) s += std::abs(p[i] - t[i]);
  return s / static_cast<double>(p.size());
}

double phm08_score(const std::vector<double>& p, const std::vector<double>& t) {
  same_size(p.size(), t.size());
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double d = p[i] - t[i];
    s += d < 0 ? std::exp(-d / 13.0) - 1 : std::exp(d / 10.0) - 1;
  }
  return s;
}

BinaryCounts binary_counts(const std::vector<double>& score, const std::vector<int>& truth, double threshold) {
  same_size(score.size(), truth.size());
  BinaryCounts c;
  for (std::size_t i = 0; i < score.size(); ++i) {
    const bool pos = score[i] >= threshold;
    if (pos && truth[i]) ++c.tp;
    else if (pos) ++c.fp;
    else if (truth[i]) ++c.fn;
    else ++c.tn;
  }
  return c;
}

namespace {

// Every threshold from the highest score down, a run of equal scores being one: calls
// at(threshold, true positives, rows flagged) with the counts of flagging score >= threshold.
template <typename At>
void scan_thresholds(const std::vector<double>& score, const std::vector<int>& truth, At at) {
  same_size(score.size(), truth.size());
  const auto idx = by_score_desc(score);
  double tp = 0, seen = 0;
  for (std::size_t k = 0; k < idx.size();) {
    std::size_t j = k;
    while (j < idx.size() && score[idx[j]] == score[idx[k]]) {
      tp += truth[idx[j]] ? 1 : 0;
      ++seen;
      ++j;
    }
    at(score[idx[k]], tp, seen);
    k = j;
  }
}

}  // namespace

double average_precision(const std::vector<double>& score, const std::vector<int>& truth) {
  same_size(score.size(), truth.size());
  const double positives = static_cast<double>(std::count(truth.begin(), truth.end(), 1));
  if (positives == 0) return 0;
  double ap = 0, last_recall = 0;
  scan_thresholds(score, truth, [&](double, double tp, double seen) {
    const double recall = tp / positives;
    ap += (recall - last_recall) * (tp / seen);
    last_recall = recall;
  });
  return ap;
}

double best_f1_threshold(const std::vector<double>& score, const std::vector<int>& truth) {
  const double positives = static_cast<double>(std::count(truth.begin(), truth.end(), 1));
  double best_f1 = -1, best_t = 1;
  scan_thresholds(score, truth, [&](double t, double tp, double seen) {
    const double p = tp / seen, r = positives > 0 ? tp / positives : 0;
    const double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
    if (f1 > best_f1) best_f1 = f1, best_t = t;
  });
  return best_t;
}

double best_gain_threshold(const std::vector<double>& score, const std::vector<int>& truth, double per_true,
                           double per_flag) {
  double best = 0, best_t = score.empty() ? 1 : *std::max_element(score.begin(), score.end()) + 1;
  scan_thresholds(score, truth, [&](double t, double tp, double seen) {
    const double gain = tp * per_true - seen * per_flag;
    if (gain > best) best = gain, best_t = t;
  });
  return best_t;
}

MeanStd mean_std(const std::vector<double>& v) {
  MeanStd m;
  if (v.empty()) return m;
  m.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() > 1) {
    double s = 0;
    for (double x : v) s += (x - m.mean) * (x - m.mean);
    m.stddev = std::sqrt(s / static_cast<double>(v.size() - 1));
  }
  return m;
}

}  // namespace xinzhi::learn
