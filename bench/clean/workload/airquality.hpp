// Reader for the UCI Air Quality file exactly as published (De Vito et al. 2008): `;`-separated,
// decimal comma, DD/MM/YYYY and HH.MM.SS, -200 for a missing value, two empty trailing fields on
// every line and empty rows at the end. The result is one time index and one column per sensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::bench {

struct WideSeries {
  std::vector<TimestampMs> ts;
  std::vector<std::string> names;
  std::vector<std::vector<double>> cols;  // NaN = missing
  std::size_t empty_rows = 0;             // rows with no field set (the file's trailing ones)
  std::size_t missing() const;            // NaN cells
};

// Throws InputError with file:line:column for a malformed row.
WideSeries read_uci_airquality(const std::string& path);

}  // namespace xinzhi::bench
