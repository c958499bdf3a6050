#include "learn/anomaly/streaming_detector.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::learn {

namespace {

// One option: its name, a reader of its value from a double (false when out of range) and a
// writer for describe_detector_options.
struct OptionSpec {
  const char* name;
  std::function<bool(StreamingDetectorOptions&, double)> set;
  std::function<double(const StreamingDetectorOptions&)> get;
};

template <typename T>
OptionSpec spec(const char* name, T StreamingDetectorOptions::*field, double lo, double hi) {
  return {name,
          [=](StreamingDetectorOptions& o, double v) {
            if (!(v >= lo && v <= hi)) return false;
            if constexpr (std::is_integral_v<T>) {
              if (v != std::floor(v)) return false;
            }
            o.*field = static_cast<T>(v);
            return true;
          },
          [=](const StreamingDetectorOptions& o) { return static_cast<double>(o.*field); }};
}

const std::vector<OptionSpec>& option_specs() {
  using O = StreamingDetectorOptions;
  static const std::vector<OptionSpec> specs = {
      spec("warmup", &O::warmup, 10, 1e6),
      spec("levels", &O::levels, 2, 1e4),
      spec("context", &O::context, 1, 4),
      spec("table_slots", &O::table_slots, 256, double(std::size_t{1} << 26)),
      spec("level_half_life", &O::level_half_life, 1, 1e7),
      spec("knn_length", &O::knn_length, 1, 1e3),
      spec("knn_history", &O::knn_history, 1, 1e5),
      spec("knn_scale", &O::knn_scale, 1e-6, 1e6),
      spec("knn_weight", &O::knn_weight, 0, 1e3),
      spec("context_weight", &O::context_weight, 0, 1e3),
      spec("level_weight", &O::level_weight, 0, 1e3),
      spec("step_weight", &O::step_weight, 0, 1e3),
      spec("short_window", &O::short_window, 1, 1e4),
      spec("history", &O::history, 10, 1e7),
      spec("min_history", &O::min_history, 2, 1e7),
      spec("spatial_tolerance", &O::spatial_tolerance, 0, 1e3),
      spec("alarm_level", &O::alarm_level, 0, 1),
      spec("rest_readings", &O::rest_readings, 0, 1e7),
      spec("rest_scale", &O::rest_scale, 0, 1),
      spec("gap_factor", &O::gap_factor, 1, 1e6),
  };
  return specs;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser: a cheap, well-spread hash
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double half_life_alpha(double half_life) { return 1.0 - std::exp2(-1.0 / half_life); }

// -log10(1 - likelihood) / 10, as nupic's computeLogLikelihood: 0.5 at a likelihood of 0.99999.
double log_scaled(double likelihood) { return std::log(1.0000000001 - likelihood) / -23.02585084720009; }

}  // namespace

void set_detector_option(StreamingDetectorOptions& o, std::string_view assignment, const std::string& where) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos)
    throw InputError(where, fmt::format("'{}' is not name=value (options: {})", assignment, describe_detector_options({})));
  const std::string_view name = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  for (const auto& s : option_specs()) {
    if (name != s.name) continue;
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !s.set(o, v))
      throw InputError(where, fmt::format("detector option {}: '{}' is not a number in its range", name, text));
    return;
  }
  throw InputError(where, fmt::format("unknown detector option '{}' (options: {})", name, describe_detector_options({})));
}

std::string describe_detector_options(const StreamingDetectorOptions& o) {
  std::string out;
  for (const auto& s : option_specs()) out += fmt::format("{}{}={}", out.empty() ? "" : " ", s.name, s.get(o));
  return out;
}

StreamingDetector::StreamingDetector(StreamingDetectorOptions options) : o_(std::move(options)) {
  std::size_t slots = 1;
  while (slots < o_.table_slots) slots <<= 1;
  o_.table_slots = slots;
  context_counts_.assign(slots, 0.f);
  pair_counts_.assign(slots, 0.f);
  short_ring_.assign(std::max<std::size_t>(o_.short_window, 1), 0.0);
  history_ring_.assign(std::max<std::size_t>(o_.history, 1), 0.0);
}

double StreamingDetector::update(std::int64_t t_ms, double value) {
  if (!std::isfinite(value)) return 0.0;  // missing: nothing learned, nothing scored
  bool after_gap = false;
  if (has_t_) {
    const double dt = static_cast<double>(t_ms - last_t_);
    if (dt > 0) {
      if (usual_step_ <= 0) {
        usual_step_ = dt;
      } else {
        after_gap = dt > o_.gap_factor * usual_step_;
        // A gap does not stretch the usual step: its contribution is clipped.
        usual_step_ += 0.02 * (std::min(dt, o_.gap_factor * usual_step_) - usual_step_);
      }
    }
  }
  has_t_ = true;
  last_t_ = std::max(last_t_, t_ms);

  // The new-extreme check against the range seen before this reading.
  bool new_extreme = false;
  if (scoring_ && o_.spatial_tolerance > 0 && max_seen_ > min_seen_) {
    const double tol = (max_seen_ - min_seen_) * o_.spatial_tolerance;
    new_extreme = value > max_seen_ + tol || value < min_seen_ - tol;
  }
  if (!has_last_ && warm_values_.empty() && !scoring_) min_seen_ = max_seen_ = value;
  min_seen_ = std::min(min_seen_, value);
  max_seen_ = std::max(max_seen_, value);

  if (!scoring_) {
    warm_values_.push_back(value);
    warm_gaps_.push_back(after_gap);
    if (warm_values_.size() >= o_.warmup) start_scoring();
    return 0.0;
  }
  const double raw = learn_and_score(value, after_gap);
  double score = likelihood_score(raw);
  if (new_extreme) score = 1.0;
  if (rest_left_ > 0) {
    --rest_left_;
    score *= o_.rest_scale;
  } else if (score >= o_.alarm_level) {
    rest_left_ = o_.rest_readings;
  }
  return std::clamp(score, 0.0, 1.0);
}

void StreamingDetector::start_scoring() {
  // The quantisation step from the warm-up's robust range, so that a level is a fixed fraction
  // of the series' usual spread; a flat warm-up falls back to a fraction of its magnitude.
  std::vector<double> sorted = warm_values_;
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double q) { return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))]; };
  double range = quantile(0.95) - quantile(0.05);
  if (!(range > 0)) range = sorted.back() - sorted.front();
  if (!(range > 0)) range = std::max(std::abs(sorted.front()) * 0.01, 1e-9);
  resolution_ = range / o_.levels;
  scoring_ = true;
  // The warm-up readings are learned from, in order; their surprises do not enter the likelihood's
  // history (the models start knowing nothing, so those surprises say little).
  for (std::size_t i = 0; i < warm_values_.size(); ++i) {
    const double raw = learn_and_score(warm_values_[i], warm_gaps_[i]);
    (void)raw;
  }
  warm_values_.clear();
  warm_values_.shrink_to_fit();
  warm_gaps_.clear();
  warm_gaps_.shrink_to_fit();
}

double StreamingDetector::context_surprise(long bin, bool learn) {
  std::uint64_t h = 0x51ed270b27a4c3e1ULL;
  for (long b : recent_bins_) h = mix(h ^ static_cast<std::uint64_t>(b));
  const std::size_t mask = o_.table_slots - 1;
  const std::size_t c = h & mask;
  auto pair_slot = [&](long b) { return mix(h ^ (static_cast<std::uint64_t>(b) * 0x9e3779b97f4a7c15ULL)) & mask; };
  double surprise = 1.0;  // a context never seen: nothing was expected
  const double seen = context_counts_[c];
  if (seen > 0) {
    const double matched = pair_counts_[pair_slot(bin)] + 0.5 * (pair_counts_[pair_slot(bin - 1)] + pair_counts_[pair_slot(bin + 1)]);
    surprise = 1.0 - std::min(1.0, matched / seen);
  }
  if (learn) {
    context_counts_[c] += 1.f;
    pair_counts_[pair_slot(bin)] += 1.f;
  }
  return surprise;
}

double StreamingDetector::knn_surprise(double scaled) {
  const std::size_t m = o_.knn_length, keep = o_.knn_history + 2 * m;
  if (knn_values_.size() >= 2 * keep) knn_values_.erase(knn_values_.begin(), knn_values_.end() - static_cast<long>(keep - 1));
  knn_values_.push_back(scaled);
  const std::size_t n = knn_values_.size();
  if (n < 2 * m + 1) return -1;  // no earlier run that does not overlap this one
  const double* now = knn_values_.data() + (n - m);
  // Earlier runs end at least m values back (no overlap) and at most knn_history back.
  const std::size_t newest = n - m - m, oldest = n > keep ? n - keep : 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t start = newest + 1; start-- > oldest;) {
    const double* run = knn_values_.data() + start;
    double d = 0;
    for (std::size_t k = 0; k < m && d < best; ++k) d += (run[k] - now[k]) * (run[k] - now[k]);
    best = std::min(best, d);
  }
  const double rms = std::sqrt(best / static_cast<double>(m));
  return 1.0 - std::exp(-rms / o_.knn_scale);
}

double StreamingDetector::learn_and_score(double value, bool after_gap) {
  const double scaled = std::clamp(value / resolution_, -1e15, 1e15);
  const long bin = static_cast<long>(std::floor(scaled));
  if (after_gap) recent_bins_.clear();  // the values before a gap are no context for this one
  double weight = 0, sum = 0;
  if (recent_bins_.size() == o_.context) {
    sum += o_.context_weight * context_surprise(bin, true);
    weight += o_.context_weight;
  }
  if (o_.knn_weight > 0) {
    const double k = knn_surprise(scaled);
    if (k >= 0) {
      sum += o_.knn_weight * k;
      weight += o_.knn_weight;
    }
  }
  if (has_level_) {
    const double z = std::abs(value - level_) / (spread_ + resolution_ * 1e-3);
    sum += o_.level_weight * std::tanh(z / 4.0);
    weight += o_.level_weight;
  }
  if (has_last_ && !after_gap) {
    const double z = std::abs(value - last_value_) / (step_ + resolution_ * 1e-3);
    sum += o_.step_weight * std::tanh(z / 4.0);
    weight += o_.step_weight;
  }
  recent_bins_.push_back(bin);
  if (recent_bins_.size() > o_.context) recent_bins_.erase(recent_bins_.begin());

  const double a = half_life_alpha(o_.level_half_life);
  if (!has_level_) {
    level_ = value;
    spread_ = resolution_;
    has_level_ = true;
  } else {
    spread_ += a * (std::abs(value - level_) - spread_);
    level_ += a * (value - level_);
  }
  if (has_last_ && !after_gap) step_ += a * (std::abs(value - last_value_) - step_);
  last_value_ = value;
  has_last_ = true;
  last_raw_ = weight > 0 ? sum / weight : last_raw_;
  return last_raw_;
}

double StreamingDetector::likelihood_score(double raw) {
  // The short-term mean of raw scores.
  if (short_n_ == short_ring_.size()) short_sum_ -= short_ring_[short_pos_];
  else ++short_n_;
  short_ring_[short_pos_] = raw;
  short_sum_ += raw;
  short_pos_ = (short_pos_ + 1) % short_ring_.size();
  const double m = short_sum_ / static_cast<double>(short_n_);

  double score = 0.0;
  if (history_n_ >= o_.min_history) {
    const double n = static_cast<double>(history_n_);
    // nupic's lower bounds: a history of almost no surprise would otherwise turn the slightest
    // blip into an alarm.
    const double mean = std::max(history_sum_ / n, 0.03);
    const double variance = std::max(history_sumsq_ / n - (history_sum_ / n) * (history_sum_ / n), 0.0003);
    // Two-sided, as nupic's tailProbability: a series that suddenly becomes far more predictable
    // than usual (a stuck sensor) is as unusual as one that becomes less.
    const double z = std::abs(m - mean) / std::sqrt(variance);
    const double tail = 0.5 * std::erfc(z / std::sqrt(2.0));
    score = log_scaled(1.0 - tail);
  }
  if (history_n_ == history_ring_.size()) {
    const double old = history_ring_[history_pos_];
    history_sum_ -= old;
    history_sumsq_ -= old * old;
  } else {
    ++history_n_;
  }
  history_ring_[history_pos_] = m;
  history_sum_ += m;
  history_sumsq_ += m * m;
  history_pos_ = (history_pos_ + 1) % history_ring_.size();
  return score;
}

}  // namespace xinzhi::learn
