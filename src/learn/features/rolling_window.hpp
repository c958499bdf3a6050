// Statistics of a series over a trailing window, kept up to date as readings arrive in time
// order: constant amortised work per reading (running sums for mean, deviation and slope;
// monotonic queues for minimum and maximum), and causal by construction, since the window only
// ever holds readings at or before the last one pushed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace xinzhi::learn {

struct WindowStats {
  std::size_t count = 0;
  double mean = 0, stddev = 0, min = 0, max = 0, last = 0;
  double slope = 0;  // least-squares change per time unit; 0 with fewer than two distinct times
};

class RollingWindow {
 public:
  // The window holds readings with time > (latest time - span): span 30 over cycle numbers is
  // the last 30 cycles; span 3,600,000 over milliseconds is the last hour.
  explicit RollingWindow(std::int64_t span);
  // Times must not go backwards (an InternalError otherwise); NaN values are not counted.
  void push(std::int64_t t, double value);
  // Moves the window's end to t without a reading (older readings leave it).
  void advance_to(std::int64_t t);
  WindowStats stats() const;
  std::size_t size() const { return points_.size(); }
  std::int64_t span() const { return span_; }

 private:
  struct Point {
    std::int64_t t;
    double v;
  };
  void evict(std::int64_t now);
  std::int64_t span_;
  std::int64_t latest_ = INT64_MIN;
  std::int64_t origin_ = 0;  // times are taken relative to the first one, for precision
  bool has_origin_ = false;
  std::deque<Point> points_;
  std::deque<Point> mins_, maxs_;  // increasing / decreasing values, oldest first
  double sum_v_ = 0, sum_vv_ = 0, sum_t_ = 0, sum_tt_ = 0, sum_tv_ = 0;
};

}  // namespace xinzhi::learn
