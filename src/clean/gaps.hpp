// Gaps in a series' time grid: counted (a defect of the report), and filled with missing rows at
// the grid points of short gaps, so that imputation can give them values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "clean/series.hpp"

namespace xinzhi::clean {

// Inserts missing rows at the grid points of gaps up to max_gap_ms (0: up to 100 intervals).
// Returns the number of gaps filled with rows; *inserted counts the points inserted.
std::size_t insert_gap_rows(Series& s, std::int64_t interval, std::int64_t max_gap_ms, std::size_t* inserted);
// Number of gaps (intervals over 1.5 times the nominal one).
std::size_t count_gaps(const std::vector<TimestampMs>& ts, std::int64_t interval);

}  // namespace xinzhi::clean
