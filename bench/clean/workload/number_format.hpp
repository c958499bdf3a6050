// Numbers and times written back as text the way the pandas peer writes them: a double as
// Python's repr does (shortest round-trip digits, "3000.0", "1e-05", "1e+16"), a timestamp in
// pandas' microsecond layout. Hand-made: the benchmark writes tens of millions of them.
#pragma once

#include <cstdint>

#include "core/time.hpp"

namespace xinzhi::bench {

// Writes v the way Python's repr does; returns the end. NaN is written as nothing. Needs 32 bytes.
char* format_double_repr(double v, char* out);

// "YYYY-MM-DDTHH:MM:SS.mmm000Z" (27 bytes: microsecond layout, as pandas writes with %f).
// cache_day/cache_date memoise the date part between calls of the same day.
char* format_ts_micros(TimestampMs ms, char* out, std::int64_t& cache_day, char cache_date[11]);

}  // namespace xinzhi::bench
