// The nominal sampling interval of a series of timestamps: the period a device was set to poll
// at, read back from the gaps between its readings (jitter, gaps and duplicates left aside).
// Ingest uses it to describe each sensor, cleaning to lay the series' time grid.
#pragma once

#include <cstdint>
#include <vector>

#include "core/time.hpp"

namespace xinzhi {

// The median positive interval rounded to the nearest usual period within 5% (10 s for a
// median of 9994 ms), else to two significant digits; 0 when unknown.
std::int64_t estimate_interval(const std::vector<TimestampMs>& ts);

}  // namespace xinzhi
