#include "learn/features/rolling_window.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace xinzhi::learn {

RollingWindow::RollingWindow(std::int64_t span) : span_(span) {
  if (span <= 0) throw InternalError("a rolling window needs a positive span");
}

void RollingWindow::evict(std::int64_t now) {
  const std::int64_t oldest_kept = now - span_ + 1;
  while (!points_.empty() && points_.front().t < oldest_kept) {
    const Point p = points_.front();
    points_.pop_front();
    const double t = static_cast<double>(p.t - origin_);
    sum_v_ -= p.v;
    sum_vv_ -= p.v * p.v;
    sum_t_ -= t;
    sum_tt_ -= t * t;
    sum_tv_ -= t * p.v;
  }
  while (!mins_.empty() && mins_.front().t < oldest_kept) mins_.pop_front();
  while (!maxs_.empty() && maxs_.front().t < oldest_kept) maxs_.pop_front();
  if (points_.empty()) sum_v_ = sum_vv_ = sum_t_ = sum_tt_ = sum_tv_ = 0;  // no drift carried over
}

void RollingWindow::advance_to(std::int64_t t) {
  if (t < latest_) throw InternalError("rolling window: time went backwards");
  latest_ = t;
  evict(t);
}

void RollingWindow::push(std::int64_t t, double v) {
  advance_to(t);
  if (std::isnan(v)) return;
  if (!has_origin_) {
    origin_ = t;
    has_origin_ = true;
  }
  const Point p{t, v};
  points_.push_back(p);
  // Rebase the running sums now and then: times stay small next to the window's span and the
  // sums' rounding drift from add-and-subtract is wiped (amortised constant work).
  if (t - origin_ > 64 * span_) {
    origin_ = points_.front().t;
    sum_v_ = sum_vv_ = sum_t_ = sum_tt_ = sum_tv_ = 0;
    points_.pop_back();
    for (const Point& q : points_) {
      const double qt = static_cast<double>(q.t - origin_);
      sum_v_ += q.v;
      sum_vv_ += q.v * q.v;
      sum_t_ += qt;
      sum_tt_ += qt * qt;
      sum_tv_ += qt * q.v;
    }
    points_.push_back(p);
  }
  const double tt = static_cast<double>(t - origin_);
  sum_v_ += v;
  sum_vv_ += v * v;
  sum_t_ += tt;
  sum_tt_ += tt * tt;
  sum_tv_ += tt * v;
  while (!mins_.empty() && mins_.back().v >= v) mins_.pop_back();
  mins_.push_back(p);
  while (!maxs_.empty() && maxs_.back().v <= v) maxs_.pop_back();
  maxs_.push_back(p);
}

WindowStats RollingWindow::stats() const {
  WindowStats s;
  s.count = points_.size();
  if (s.count == 0) return s;
  const double n = static_cast<double>(s.count);
  s.mean = sum_v_ / n;
  s.stddev = s.count > 1 ? std::sqrt(std::max(0.0, (sum_vv_ - n * s.mean * s.mean) / (n - 1))) : 0;
  s.min = mins_.front().v;
  s.max = maxs_.front().v;
  s.last = points_.back().v;
  const double mean_t = sum_t_ / n;
  const double var_t = sum_tt_ - n * mean_t * mean_t;
  // Relative to the spread of times, below rounding noise means all times are (nearly) equal.
  if (s.count > 1 && var_t > 1e-9 * std::max(1.0, sum_tt_)) s.slope = (sum_tv_ - n * mean_t * s.mean) / var_t;
  return s;
}

}  // namespace xinzhi::learn
