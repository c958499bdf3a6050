// Unit normalisation: temperature readings that a device sent in °F or K where the rules expect
// °C are found (a whole series, or single rows against their neighbours) and converted, each
// converted row logged.
#pragma once

#include "clean/rules.hpp"
#include "clean/series.hpp"

namespace xinzhi::clean {

// Converts rows that are in °F (or a whole series in °F or K) where °C is expected: the whole
// series when its median fits the reference far better after conversion, single rows (°F only)
// when they do against their neighbours. reference: the typical value of this sensor type (NaN = the series' own).
std::size_t normalise_units(Series& s, const SensorRule& rule, double reference, ActionLog& log);

}  // namespace xinzhi::clean
