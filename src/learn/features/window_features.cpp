#include "learn/features/window_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::learn {

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}

const char* stat_name(WindowStat s) {
  switch (s) {
    case WindowStat::mean: return "mean";
    case WindowStat::stddev: return "std";
    case WindowStat::min: return "min";
    case WindowStat::max: return "max";
    case WindowStat::last: return "last";
    case WindowStat::slope: return "slope";
    case WindowStat::count: return "count";
  }
  return "?";
}

WindowFeatures::WindowFeatures(WindowFeatureSpec spec) : spec_(std::move(spec)) {
  for (const auto& w : spec_.windows)
    if (w.span <= 0) throw InternalError(fmt::format("window '{}' needs a positive span", w.name));
  for (const auto& e : spec_.ewmas)
    if (!(e.tau > 0)) throw InternalError(fmt::format("average '{}' needs a positive time constant", e.name));
  for (int k : spec_.lags) {
    if (k <= 0) throw InternalError("a lag counts readings back and must be positive");
    max_lag_ = std::max(max_lag_, static_cast<std::size_t>(k));
  }
  for (const auto& s : spec_.series) {
    for (const auto& w : spec_.windows)
      for (WindowStat st : w.stats) names_.push_back(fmt::format("{}_{}_{}", s, stat_name(st), w.name));
    for (const auto& e : spec_.ewmas) names_.push_back(fmt::format("{}_ewm_{}", s, e.name));
    for (int k : spec_.lags) names_.push_back(fmt::format("{}_lag_{}", s, k));
    if (spec_.baseline_span > 0) {
      names_.push_back(s + "_base");
      for (const auto& w : spec_.windows) names_.push_back(fmt::format("{}_drift_{}", s, w.name));
    }
  }
  if (spec_.age) names_.emplace_back("age");
  reset();
}

void WindowFeatures::reset() {
  series_.clear();
  series_.reserve(spec_.series.size());
  for (std::size_t i = 0; i < spec_.series.size(); ++i) {
    Series s;
    for (const auto& w : spec_.windows) s.windows.emplace_back(w.span);
    s.ewma.assign(spec_.ewmas.size(), std::numeric_limits<double>::quiet_NaN());
    series_.push_back(std::move(s));
  }
  started_ = false;
  latest_ = INT64_MIN;
}

void WindowFeatures::advance_to(std::int64_t t) {
  if (t < latest_) throw InternalError("window features: time went backwards");
  if (!started_) {
    start_ = t;
    started_ = true;
  }
  latest_ = t;
  for (auto& s : series_)
    for (auto& w : s.windows) w.advance_to(t);
}

void WindowFeatures::push(std::size_t index, std::int64_t t, double v) {
  if (index >= series_.size()) throw InternalError("window features: no such series");
  if (t < latest_) throw InternalError("window features: time went backwards");
  if (!started_) {
    start_ = t;
    started_ = true;
  }
  latest_ = t;
  Series& s = series_[index];
  for (auto& w : s.windows) w.push(t, v);
  if (std::isnan(v)) return;
  for (std::size_t e = 0; e < s.ewma.size(); ++e) {
    if (std::isnan(s.ewma[e])) {
      s.ewma[e] = v;
    } else {
      // Irregular times: the old average decays by the time elapsed, not by the reading count.
      const double keep = std::exp(-static_cast<double>(t - s.last_t) / spec_.ewmas[e].tau);
      s.ewma[e] = keep * s.ewma[e] + (1 - keep) * v;
    }
  }
  s.last_t = t;
  if (max_lag_ > 0) {
    s.recent.push_back(v);
    if (s.recent.size() > max_lag_ + 1) s.recent.pop_front();
  }
  if (spec_.baseline_span > 0 && t - start_ < spec_.baseline_span) {
    s.base_sum += v;
    ++s.base_n;
  }
}

void WindowFeatures::push_row(std::int64_t t, std::span<const double> values) {
  if (values.size() != series_.size()) throw InternalError("window features: a row needs one value per series");
  advance_to(t);
  for (std::size_t i = 0; i < values.size(); ++i) push(i, t, values[i]);
}

void WindowFeatures::write(std::span<float> out) const {
  if (out.size() != names_.size()) throw InternalError("window features: output of the wrong size");
  std::size_t k = 0;
  std::vector<WindowStats> stats(spec_.windows.size());
  for (const Series& s : series_) {
    for (std::size_t w = 0; w < spec_.windows.size(); ++w) {
      stats[w] = s.windows[w].stats();
      const WindowStats& st = stats[w];
      const bool any = st.count > 0;
      for (WindowStat which : spec_.windows[w].stats) {
        double v = 0;
        switch (which) {
          case WindowStat::mean: v = st.mean; break;
          case WindowStat::stddev: v = st.stddev; break;
          case WindowStat::min: v = st.min; break;
          case WindowStat::max: v = st.max; break;
          case WindowStat::last: v = st.last; break;
          case WindowStat::slope: v = st.slope; break;
          case WindowStat::count: v = static_cast<double>(st.count); break;
        }
        out[k++] = any || which == WindowStat::count ? static_cast<float>(v) : kNaN;
      }
    }
    for (double e : s.ewma) out[k++] = static_cast<float>(e);
    for (int lag : spec_.lags) {
      const std::size_t n = s.recent.size();
      out[k++] = n > static_cast<std::size_t>(lag) ? static_cast<float>(s.recent[n - 1 - lag]) : kNaN;
    }
    if (spec_.baseline_span > 0) {
      const double base = s.base_n ? s.base_sum / static_cast<double>(s.base_n) : std::nan("");
      out[k++] = static_cast<float>(base);
      for (std::size_t w = 0; w < spec_.windows.size(); ++w)
        out[k++] = stats[w].count && s.base_n ? static_cast<float>(stats[w].mean - base) : kNaN;
    }
  }
  if (spec_.age) out[k++] = started_ ? static_cast<float>(latest_ - start_) : kNaN;
}

}  // namespace xinzhi::learn
