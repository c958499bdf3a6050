#include "learn/anomaly/machine_detector.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::learn {

namespace {

// P(chi-square with k degrees of freedom > x) by the Wilson-Hilferty cube-root approximation:
// accurate to a few per cent of the tail far out, which is all a score needs.
double chi_square_tail(double x, double k) {
  if (x <= 0) return 1.0;
  const double v = 2.0 / (9.0 * k);
  const double z = (std::cbrt(x / k) - (1.0 - v)) / std::sqrt(v);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

}  // namespace

MachineDetector::MachineDetector(std::size_t sensors, MachineDetectorOptions options)
    : d_(sensors), o_(options), level_(sensors, 0.0), spread_(sensors, 0.0), started_(sensors, false),
      corr_(sensors * sensors, 0.0) {
  for (std::size_t i = 0; i < d_; ++i) corr_[i * d_ + i] = 1.0;  // start as independent sensors
}

double MachineDetector::update(std::int64_t, std::span<const double> values) {
  if (values.size() != d_)
    throw InternalError(fmt::format("machine detector: {} values for {} sensors", values.size(), d_));
  // Standardised values of the present sensors, against the statistics before this step.
  std::vector<std::size_t> present;
  std::vector<double> z;
  for (std::size_t i = 0; i < d_; ++i) {
    if (!std::isfinite(values[i])) continue;
    if (!started_[i]) {
      level_[i] = values[i];
      spread_[i] = 0;
      started_[i] = true;
      continue;  // a sensor's first value has nothing to be compared with
    }
    const double s = spread_[i] > 0 ? spread_[i] : std::max(std::abs(level_[i]) * 1e-3, 1e-9);
    present.push_back(i);
    z.push_back(std::clamp((values[i] - level_[i]) / s, -o_.max_z, o_.max_z));
  }
  double score = 0;
  const std::size_t k = present.size();
  if (steps_ >= o_.warmup && k > 0) {
    // Cholesky of the present sensors' correlation (plus ridge), then d2 = |L^-1 z|^2.
    std::vector<double> l(k * k, 0.0);
    for (std::size_t a = 0; a < k; ++a) {
      for (std::size_t b = 0; b <= a; ++b) {
        double sum = corr_[present[a] * d_ + present[b]] + (a == b ? o_.ridge : 0.0);
        for (std::size_t c = 0; c < b; ++c) sum -= l[a * k + c] * l[b * k + c];
        l[a * k + b] = a == b ? std::sqrt(std::max(sum, 1e-12)) : sum / l[b * k + b];
      }
    }
    std::vector<double> y(k);
    double d2 = 0;
    for (std::size_t a = 0; a < k; ++a) {
      double sum = z[a];
      for (std::size_t c = 0; c < a; ++c) sum -= l[a * k + c] * y[c];
      y[a] = sum / l[a * k + a];
      d2 += y[a] * y[a];
    }
    const double tail = chi_square_tail(d2, static_cast<double>(k));
    score = std::clamp(std::log10(std::max(tail, 1e-10)) / -10.0, 0.0, 1.0);
  }
  // Learn from this step: the correlation of the standardised values, then levels and spreads.
  const double a = 1.0 - std::exp2(-1.0 / o_.half_life);
  for (std::size_t p = 0; p < k; ++p)
    for (std::size_t q = 0; q < k; ++q) {
      // Standardised by mean absolute deviation, a normal sensor's z has variance pi/2: scaled
      // back so that the correlation's diagonal stays near 1.
      const double target = z[p] * z[q] / (M_PI / 2.0);
      double& c = corr_[present[p] * d_ + present[q]];
      c += a * (target - c);
    }
  for (std::size_t i = 0; i < d_; ++i) {
    if (!std::isfinite(values[i]) || !started_[i]) continue;
    const double dev = std::abs(values[i] - level_[i]);
    spread_[i] = spread_[i] > 0 ? spread_[i] + a * (dev - spread_[i]) : dev;
    level_[i] += a * (values[i] - level_[i]);
  }
  if (k > 0 || std::any_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); })) ++steps_;
  return score;
}

}  // namespace xinzhi::learn
