// Elapsed wall time for reports and progress: seconds since a steady-clock point.
#pragma once

#include <chrono>

namespace xinzhi {

using SteadyTime = std::chrono::steady_clock::time_point;

inline double seconds_since(SteadyTime start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace xinzhi
