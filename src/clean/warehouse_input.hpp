// The cleaning's input as the warehouse holds it: its raw series (store/raw_series.hpp) as the
// Series the repair steps work on, rowids and arrival stamps kept.
#pragma once

#include <vector>

#include "clean/series.hpp"
#include "store/raw_series.hpp"

namespace xinzhi::clean {

std::vector<Series> to_series(std::vector<store::RawSeries> raw);

}  // namespace xinzhi::clean
