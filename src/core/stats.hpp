// Robust summary statistics over doubles with NaN as "missing": the median and the MAD, used by
// quality metrics, repair, detectors and reports alike.
#pragma once

#include <vector>

namespace xinzhi {

// Median of the non-NaN values (the mean of the two middle ones for an even count); NaN when
// there are none. Takes a copy: the order is lost.
double median_of(std::vector<double> v);
// The median absolute deviation from `median`, scaled by 1.4826 (a normal distribution's sigma).
double scaled_mad(const std::vector<double>& v, double median);

}  // namespace xinzhi
