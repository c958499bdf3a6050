// Probabilities that mean what they say. A classifier trained with the rare class weighed up
// (XGBoost's scale_pos_weight) ranks well but its scores are inflated towards 0.5; a decision
// that prices a failure by its probability (optimize/maintenance_choice.hpp) needs the real
// frequency. Platt scaling fits p = 1 / (1 + exp(-(a * logit(score) + b))) on held-out rows.
#pragma once

#include <vector>

namespace xinzhi::learn {

struct PlattScaling {
  double a = 1, b = 0;  // identity by default
  double operator()(double score) const;
};

// Fits a and b by Newton's method on the log-loss of held-out scores in (0, 1) and their truth
// (0 or 1), with Platt's smoothed targets ((positives + 1) / (positives + 2) and
// 1 / (negatives + 2)) so that a perfectly separated set does not drive a to infinity.
// Needs both classes; otherwise returns the identity.
PlattScaling fit_platt(const std::vector<double>& score, const std::vector<int>& truth);

// The mean squared difference between probability and outcome (lower is better; a constant
// prediction at the base rate r scores r (1 - r)).
double brier_score(const std::vector<double>& probability, const std::vector<int>& truth);

}  // namespace xinzhi::learn
