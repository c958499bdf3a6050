// Hand-made series for the tests of the cleaning steps.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "clean/series.hpp"

namespace clean_test {

using xinzhi::clean::Series;

// One series of machine M1's temperature, rowids 1, 2, ... in the given order.
inline Series make(std::vector<std::int64_t> ts, std::vector<double> v) {
  Series s;
  s.machine = "M1", s.sensor = "temperature";
  for (std::size_t i = 0; i < ts.size(); ++i) s.push(ts[i], v[i], static_cast<std::int64_t>(i + 1));
  return s;
}

inline const double NaN = std::nan("");

}  // namespace clean_test
