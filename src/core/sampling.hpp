// The nominal sampling interval of a series of timestamps: what a device was set to report at,
// read from the timestamps it reported. Ingest records it per sensor; the cleaning repairs
// timestamps onto it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/time.hpp"

namespace xinzhi {

// The median positive interval of ts (sorted ascending) rounded to the nearest usual period
// within 5% (10 s for a median of 9994 ms), else to two significant digits; 0 when unknown.
std::int64_t estimate_interval(const std::vector<TimestampMs>& ts);

}  // namespace xinzhi
