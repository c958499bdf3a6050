// Named feature columns for one entity (a machine, an engine) computed streaming and causally
// from several series over several trailing windows: per series and window the statistics of
// RollingWindow (`s2_mean_30`, `s2_slope_10`), exponentially weighted means (`s2_ewm_10`), the
// readings a few steps back (`s2_lag_1`), the mean of the first readings since the entity
// started (its own baseline, `s2_base`) and how far a window's mean has moved from it
// (`s2_drift_30`), and the time since the start (`age`). Time is an int64 in the caller's unit
// (cycles, milliseconds); every span is in that unit and every name part is given by the caller,
// so the same builder serves C-MAPSS cycles and a plant's readings per machine and sensor.
//
// Causal by construction: the features at time t depend only on readings at or before t, and
// each reading costs constant amortised work per window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "learn/features/rolling_window.hpp"

namespace xinzhi::learn {

enum class WindowStat { mean, stddev, min, max, last, slope, count };
// "mean", "std", "min", "max", "last", "slope", "count": the name part of a statistic.
const char* stat_name(WindowStat stat);

struct WindowSpec {
  std::string name;   // name part: "30" gives s2_mean_30; "1h" gives s2_mean_1h
  std::int64_t span;  // readings with time > latest - span
  std::vector<WindowStat> stats;
};

struct EwmaSpec {
  std::string name;  // s2_ewm_<name>
  double tau;        // time constant in time units: a reading dt old weighs exp(-dt / tau)
};

struct WindowFeatureSpec {
  std::vector<std::string> series;  // input series names, the first name part
  std::vector<WindowSpec> windows;
  std::vector<EwmaSpec> ewmas;
  std::vector<int> lags;           // s2_lag_<k>: the k-th reading before the latest (NaN before there is one)
  std::int64_t baseline_span = 0;  // > 0: s2_base over [start, start + span) and s2_drift_<w> = mean_w - base
  bool age = false;                // "age": latest time - the entity's first time
};

class WindowFeatures {
 public:
  explicit WindowFeatures(WindowFeatureSpec spec);

  // The feature columns in the order write() fills them.
  const std::vector<std::string>& names() const { return names_; }
  std::size_t size() const { return names_.size(); }
  const WindowFeatureSpec& spec() const { return spec_; }

  // A reading of one series (index into spec.series). Times must not go backwards across all
  // series of the entity; NaN is no reading.
  void push(std::size_t series, std::int64_t t, double value);
  // One reading per series at the same time (a wide row), NaN where a series has none.
  void push_row(std::int64_t t, std::span<const double> values);
  // Moves every window's end to t without a reading.
  void advance_to(std::int64_t t);
  // The features as of the latest time, one per name (NaN where undefined, e.g. no reading in
  // the window, a lag not yet reached); out.size() must be size().
  void write(std::span<float> out) const;
  // Starts a new entity: every window, average and baseline empty.
  void reset();

 private:
  struct Series {
    std::vector<RollingWindow> windows;
    std::vector<double> ewma;           // per EwmaSpec; NaN before the first reading
    std::int64_t last_t = INT64_MIN;    // time of the latest reading (for EWMA decay)
    std::deque<double> recent;          // latest readings, newest last, for lags
    double base_sum = 0;
    std::size_t base_n = 0;
  };
  WindowFeatureSpec spec_;
  std::vector<std::string> names_;
  std::vector<Series> series_;
  std::size_t max_lag_ = 0;
  std::int64_t start_ = 0, latest_ = INT64_MIN;
  bool started_ = false;
};

}  // namespace xinzhi::learn
