// Times a machine is known to be unavailable, which schedules plan around: planned maintenance
// from the plant's calendar and, later, downtime the sensor models predict. Each window names
// where it came from, so that a source can be loaded again without doubling its windows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct DowntimeWindow {
  std::string machine;
  TimestampMs start = 0;
  std::optional<TimestampMs> end;  // none: down until further notice
  std::string kind;                // planned (from a calendar), predicted (by a model), ...
  std::string source;              // the calendar file or model it came from
  std::string detail;
};

// Replaces the windows of `source` by these (one transaction).
void replace_downtime(Database& db, const std::string& source, const std::vector<DowntimeWindow>& windows);
// All windows (of the given kinds; empty: every kind), by machine and start.
std::vector<DowntimeWindow> read_downtime(Database& db, const std::vector<std::string>& kinds = {});

}  // namespace xinzhi::store
