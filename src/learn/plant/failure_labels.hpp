// What failure models learn to predict, from the plant's own maintenance log (breakdowns as
// the technicians reported them; store/maintenance_log.hpp): for a machine at time t, whether
// it breaks down within the horizon, and the hours until it does (capped). A row whose answer
// the log cannot give yet (the horizon runs past the log's end with no breakdown seen) is
// censored and left out, as is a row taken while the machine is down.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/maintenance_log.hpp"

namespace xinzhi::learn {

struct FailureLabel {
  bool usable = false;          // false: down at t, or censored
  bool fails_within = false;    // a breakdown reported in (t, t + horizon]
  double hours_to_failure = 0;  // to the next reported breakdown, at most cap_h
};

class FailureLabeler {
 public:
  // log_end: the time up to which the log is complete (no breakdown after it is known).
  FailureLabeler(const std::vector<store::Breakdown>& breakdowns, TimestampMs log_end, double horizon_h, double cap_h);
  FailureLabel at(const std::string& machine, TimestampMs t) const;

 private:
  std::vector<store::Breakdown> log_;  // by machine, then time
  TimestampMs end_;
  double horizon_h_, cap_h_;
};

}  // namespace xinzhi::learn
