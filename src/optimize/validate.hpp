// The independent schedule checker: it knows only the instance and the times, not how the
// schedule was made. It checks completeness, eligibility and durations, release dates, job
// precedence, one operation per machine at a time, and machine calendars.
#pragma once

#include <string>
#include <vector>

#include "optimize/schedule.hpp"

namespace xinzhi::optimize {

struct ValidationReport {
  std::vector<std::string> problems;  // empty = valid (at most 50 listed)
  std::size_t problem_count = 0;
  bool ok() const { return problem_count == 0; }
  std::string summary() const;  // first problems, one per line
};

ValidationReport validate(const Instance& inst, const Schedule& s);

}  // namespace xinzhi::optimize
