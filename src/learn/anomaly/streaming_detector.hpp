// A streaming anomaly detector for one series: readings in time order, a score in [0, 1] for each
// as it arrives, bounded work and memory per reading (at most knn_history x knn_length steps),
// nothing read ahead, deterministic.
//
// Why this shape (each part earns its place on NAB's corpus, bench/learn/nab):
//  - a raw "surprise" per reading from cheap predictors: how far the last few values are from
//    the nearest earlier run of as many values (KNN-CAD, ARTime), how far the value is from a
//    running level, how large its step from the last value is against the usual step, and how
//    unexpected the value is after the last few (a context model over quantised values, like
//    HTM's sequence memory or CAD OSE's contexts, in fixed-size count tables);
//  - HTM's anomaly likelihood over that surprise: the tail probability of the short-term mean of
//    raw scores under a Gaussian fitted to a long trailing history of them, log-scaled. It turns
//    "this series is always noisy" into a low score and "this series became surprising" into a
//    high one, whatever the series' scale;
//  - a new-extreme check: a value beyond everything seen so far by more than a tolerance of the
//    seen range scores 1 at once (NAB's numenta detector does the same);
//  - repeat-alarm suppression: after a score at or above alarm_level, the next rest_readings
//    scores are scaled by rest_scale (NAB rewards the earliest detection of a window and charges
//    every false positive; a plant's operator wants one alarm per event, not fifty).
// Time is used only to tell a gap (more than gap_factor usual steps) from a regular step: the
// step and context across a gap are not learned from. NaN is a missing value: no state changes,
// score 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xinzhi::learn {

struct StreamingDetectorOptions {
  // Readings before any score: the quantisation is fixed from them, then they are replayed.
  std::size_t warmup = 150;
  // Quantisation: the warm-up's robust range (5th to 95th percentile) in this many levels.
  double levels = 20;
  // Past values that form a context (1 to 4).
  std::size_t context = 2;
  // Count tables (slots, a power of two): fixed memory whatever the series' length.
  std::size_t table_slots = std::size_t{1} << 16;
  // Half-life (readings) of the running level and spread behind the level and step surprises.
  double level_half_life = 200;
  // Nearest-neighbour surprise (KNN-CAD, ARTime): the distance from the last knn_length values
  // (in quantisation steps) to the closest earlier run of knn_length values among the last
  // knn_history, turned into [0, 1) as 1 - exp(-distance / knn_scale).
  std::size_t knn_length = 8;
  std::size_t knn_history = 1000;
  double knn_scale = 3;
  // Weights of the surprises in the raw score (their mean under these weights).
  // On NAB (bench/learn/nab) the nearest neighbour with a little of the level surprise scored
  // best; the context model and the step surprise added false positives there, so they are off
  // by default and stay available for series where sequence order matters more.
  double context_weight = 0, level_weight = 0.3, step_weight = 0, knn_weight = 1;
  // Likelihood: short-term mean of raw scores over this many readings, against a Gaussian fitted
  // to the last `history` raw scores; no likelihood before `min_history` of them.
  std::size_t short_window = 10;
  std::size_t history = 8000;
  std::size_t min_history = 40;
  // A value beyond the seen [min, max] by more than this fraction of its width scores 1 (0: off).
  double spatial_tolerance = 0.005;
  // Suppression after an alarm (a score >= alarm_level that was not itself suppressed).
  double alarm_level = 0.5;
  std::size_t rest_readings = 0;
  double rest_scale = 0.5;  // a suppressed score is multiplied by this
  // A step longer than gap_factor times the usual step is a gap.
  double gap_factor = 5;
};

// Sets one option from "name=value" text (the names above); an InputError names the option when
// the name is unknown or the value is not a number in range. `where` is the message's place.
void set_detector_option(StreamingDetectorOptions& o, std::string_view assignment, const std::string& where);
// "name=value" of every option, for help text and reports.
std::string describe_detector_options(const StreamingDetectorOptions& o);

class StreamingDetector {
 public:
  explicit StreamingDetector(StreamingDetectorOptions options = {});

  // The reading's anomaly score in [0, 1]; times should not go backwards (a reading earlier than
  // the last is scored as if it were a regular step).
  double update(std::int64_t t_ms, double value);

  // The last raw surprise in [0, 1] (before the likelihood), for diagnostics.
  double last_raw() const { return last_raw_; }
  const StreamingDetectorOptions& options() const { return o_; }

 private:
  double learn_and_score(double value, bool after_gap);
  double context_surprise(long bin, bool learn);
  double knn_surprise(double scaled);
  double likelihood_score(double raw);
  void start_scoring();

  StreamingDetectorOptions o_;
  std::vector<double> warm_values_;
  std::vector<bool> warm_gaps_;
  bool scoring_ = false;
  double resolution_ = 1;
  // Context model: the last bins, and counts of contexts and of (context, next bin) pairs.
  std::vector<long> recent_bins_;
  std::vector<float> context_counts_, pair_counts_;
  // Nearest neighbour: the last values in quantisation steps, oldest first (a buffer of twice
  // the needed length, slid back when full, so that runs are contiguous).
  std::vector<double> knn_values_;
  // Running level, spread and step size (exponentially weighted).
  double level_ = 0, spread_ = 0, step_ = 0, last_value_ = 0;
  bool has_last_ = false, has_level_ = false;
  // Seen range for the new-extreme check.
  double min_seen_ = 0, max_seen_ = 0;
  // Time steps: the usual step (exponentially weighted), the last time.
  std::int64_t last_t_ = 0;
  double usual_step_ = 0;
  bool has_t_ = false;
  // Likelihood: ring of the last short_window raw scores and of the last `history` short means.
  std::vector<double> short_ring_, history_ring_;
  std::size_t short_pos_ = 0, short_n_ = 0, history_pos_ = 0, history_n_ = 0;
  double short_sum_ = 0, history_sum_ = 0, history_sumsq_ = 0;
  std::size_t rest_left_ = 0;
  double last_raw_ = 0;
};

}  // namespace xinzhi::learn
