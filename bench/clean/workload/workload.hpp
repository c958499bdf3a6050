// The cleaning workload of the speed comparison with pandas (../shared/peers/pandas_clean.py),
// benchmark code (bench/clean/run runs it as build/bench/clean_workload),
// on a readings CSV: drop duplicate (machine, sensor, ts) keeping the first, sort by
// (machine, sensor, ts), out-of-range values -> missing, time-weighted linear interpolation
// inside each series for gaps up to 10 minutes, z-score per series, write CSV with a z column.
// Output matches the peer's: same rows and order, same text for ts, machine and sensor, and
// the same numbers (the same formulas in the same order as pandas/numpy compute them).
#pragma once

#include <cstdint>
#include <string>

namespace xinzhi::bench {

struct WorkloadOptions {
  std::string input, output;
  int threads = 2;
  std::int64_t max_gap_ms = 10 * 60 * 1000;
};

struct WorkloadStats {
  std::uint64_t bytes_in = 0, rows_in = 0, series = 0, duplicates = 0, out_of_range = 0, missing_in = 0,
                interpolated = 0, left_missing = 0, rows_out = 0;
  // Rows the landing grammar refused (not cleaned, not written), and the first as "file:line: reason".
  std::uint64_t rejected = 0;
  std::string first_rejected;
  double parse_s = 0, clean_s = 0, write_s = 0, total_s = 0;
};

WorkloadStats run_workload(const WorkloadOptions& options);

// The valid range of the workload's sensor types (the peer's table); false for other sensors,
// whose values are kept as they are.
bool workload_range(const std::string& sensor, double& lo, double& hi);

}  // namespace xinzhi::bench
