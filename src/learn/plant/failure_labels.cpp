#include "learn/plant/failure_labels.hpp"

#include <algorithm>

namespace xinzhi::learn {

FailureLabeler::FailureLabeler(const std::vector<store::Breakdown>& breakdowns, TimestampMs log_end, double horizon_h,
                               double cap_h)
    : log_(breakdowns), end_(log_end), horizon_h_(horizon_h), cap_h_(cap_h) {
  std::sort(log_.begin(), log_.end(), [](const auto& a, const auto& b) {
    return a.machine != b.machine ? a.machine < b.machine : a.reported < b.reported;
  });
}

FailureLabel FailureLabeler::at(const std::string& machine, TimestampMs t) const {
  FailureLabel l;
  const auto lo = std::lower_bound(log_.begin(), log_.end(), machine,
                                   [](const store::Breakdown& b, const std::string& m) { return b.machine < m; });
  const store::Breakdown* next = nullptr;
  for (auto it = lo; it != log_.end() && it->machine == machine; ++it) {
    if (it->reported <= t) {
      if (!it->repaired || *it->repaired > t) return l;  // down at t
      continue;
    }
    next = &*it;
    break;
  }
  constexpr double kHour = 3'600'000.0;
  const double to_end_h = static_cast<double>(end_ - t) / kHour;
  if (next) {
    const double h = static_cast<double>(next->reported - t) / kHour;
    l.fails_within = h <= horizon_h_;
    l.hours_to_failure = std::min(h, cap_h_);
    l.usable = true;
    return l;
  }
  // No breakdown after t in the log: known only as far as the log goes.
  l.usable = to_end_h >= std::max(horizon_h_, cap_h_);
  l.fails_within = false;
  l.hours_to_failure = cap_h_;
  return l;
}

}  // namespace xinzhi::learn
