// What a reading must satisfy beyond its syntax to be stored: its sensor among the known ones
// (when a list is given) and its time within a window around now (when limits are given). The
// same rules object goes to every source, so a row is judged the same way whichever way it
// came; each command sets the rules from its options (a live source usually limits the window,
// a file of history does not).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "core/reading.hpp"

namespace xinzhi::acquire {

struct ReadingRules {
  std::set<std::string> sensors;  // known sensor names; empty: any name
  std::int64_t max_past_ms = 0;   // readings older than now - this are refused; 0: no limit
  std::int64_t max_future_ms = 0; // readings newer than now + this are refused; 0: no limit

  // The defaults of a live source (MQTT, Modbus): ten years back, a day of clock skew ahead.
  static ReadingRules live();
};

// "" when r may be stored; otherwise the reason (for the quarantine).
std::string check_reading(const Reading& r, const ReadingRules& rules, TimestampMs now);

}  // namespace xinzhi::acquire
