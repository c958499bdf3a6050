// The plant's maintenance log as the warehouse holds it: the technicians' records of kind
// "fault" (a machine reported broken) and "repair" (back in service), paired per machine into
// breakdowns. This is what a plant knows of its past failures (its CMMS), and what failure
// models learn from; the twin's truth is never read here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct Breakdown {
  std::string machine;
  TimestampMs reported = 0;             // the fault record's time
  std::optional<TimestampMs> repaired;  // the next repair record's time on that machine
  std::string fault;                    // the fault record's label (fault category)
};

// Every breakdown, by machine and time. A fault with no repair after it is still open.
std::vector<Breakdown> read_breakdowns(Database& db);

// The mean hours from fault to repair of the breakdowns repaired at or before `up_to` (none
// repaired then: nullopt), the plant's mean repair as its log knew it at that time.
std::optional<double> mean_repair_hours(const std::vector<Breakdown>& breakdowns, TimestampMs up_to);

}  // namespace xinzhi::store
