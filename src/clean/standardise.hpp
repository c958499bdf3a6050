// Standardisation of a series' clean values for models (the value_std column): z-score,
// min-max or robust (median and scaled MAD), as the rules choose per sensor.
#pragma once

#include <vector>

#include "clean/rules.hpp"
#include "clean/series.hpp"

namespace xinzhi::clean {

// Standardised values (NaN stays NaN).
std::vector<double> standardise(const std::vector<double>& v, Standardise how);

}  // namespace xinzhi::clean
