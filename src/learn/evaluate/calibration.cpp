#include "learn/evaluate/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace xinzhi::learn {

namespace {
double logit(double p) {
  const double q = std::clamp(p, 1e-7, 1 - 1e-7);
  return std::log(q / (1 - q));
}
double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }
}  // namespace

double PlattScaling::operator()(double score) const { return sigmoid(a * logit(score) + b); }

PlattScaling fit_platt(const std::vector<double>& score, const std::vector<int>& truth) {
  if (score.size() != truth.size()) throw std::invalid_argument("fit_platt: scores and truth differ in length");
  double pos = 0;
  for (int y : truth) pos += y ? 1 : 0;
  const double neg = static_cast<double>(truth.size()) - pos;
  if (pos == 0 || neg == 0) return {};
  const double hi = (pos + 1) / (pos + 2), lo = 1 / (neg + 2);
  std::vector<double> x(score.size()), t(score.size());
  for (std::size_t i = 0; i < score.size(); ++i) {
    x[i] = logit(score[i]);
    t[i] = truth[i] ? hi : lo;
  }
  // Newton's method on the two parameters, halving the step while the loss does not fall.
  auto loss = [&](double a, double b) {
    double l = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double z = a * x[i] + b;
      // log(1 + exp(z)) - t z, computed without overflow
      l += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - t[i] * z;
    }
    return l;
  };
  double a = 1, b = 0, current = loss(a, b);
  for (int iter = 0; iter < 100; ++iter) {
    double ga = 0, gb = 0, haa = 1e-12, hab = 0, hbb = 1e-12;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double p = sigmoid(a * x[i] + b), d = p - t[i], w = p * (1 - p);
      ga += d * x[i];
      gb += d;
      haa += w * x[i] * x[i];
      hab += w * x[i];
      hbb += w;
    }
    const double det = haa * hbb - hab * hab;
    if (!(std::abs(det) > 0)) break;
    const double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    double step = 1;
    bool moved = false;
    while (step > 1e-8) {
      const double na = a - step * da, nb = b - step * db, l = loss(na, nb);
      if (l < current) {
        a = na, b = nb;
        moved = current - l > 1e-12 * std::max(1.0, std::abs(current));
        current = l;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  return {a, b};
}

double brier_score(const std::vector<double>& probability, const std::vector<int>& truth) {
  if (probability.size() != truth.size()) throw std::invalid_argument("brier_score: lengths differ");
  if (probability.empty()) return 0;
  double s = 0;
  for (std::size_t i = 0; i < probability.size(); ++i) {
    const double d = probability[i] - (truth[i] ? 1.0 : 0.0);
    s += d * d;
  }
  return s / static_cast<double>(probability.size());
}

}  // namespace xinzhi::learn
