// Unit normalisation: temperature readings that a device sent in °F or K where the rules expect
// °C are found (a whole series, or single rows against their neighbours) and converted, each
// converted row logged; and how a rules unit is written on a chart's axis.
#pragma once

#include <string>

#include "clean/rules.hpp"
#include "clean/series.hpp"

namespace xinzhi::clean {

// Converts rows that are in °F (or a whole series in °F or K) where °C is expected: the whole
// series when its median fits the reference far better after conversion, single rows (°F only)
// when they do against their neighbours. reference: the typical value of this sensor type (NaN = the series' own).
std::size_t normalise_units(Series& s, const SensorRule& rule, double reference, ActionLog& log);

// A rules unit (SensorRule::unit) as a reader writes it: "°C" for C, "°F" for F, "K"; "" for
// none or "other".
std::string unit_symbol(const std::string& rule_unit);

}  // namespace xinzhi::clean
