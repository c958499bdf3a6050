// Values that cannot be right become missing (and are imputed later), each logged with why:
// outside the sensor's valid range, a spike that stands off the level on both sides of it
// (a Hampel filter made robust at steps), or a change faster than the sensor can change.
#pragma once

#include <cstddef>

#include "clean/rules.hpp"
#include "clean/series.hpp"

namespace xinzhi::clean {

// A value outside the rule's [min, max] becomes missing. Returns the number of such values.
std::size_t mark_out_of_range(Series& s, const SensorRule& rule, ActionLog& log);
// Hampel filter made robust at steps: a value further than threshold noise scales from the
// median of the w valid values before it AND of the w after it (on the same side of both), and
// from its nearest valid neighbour on each side, becomes missing. The noise scale is local, from
// the first differences (at least the series' resolution). Returns the number of spikes.
std::size_t hampel(Series& s, int half_window, double threshold, ActionLog& log);
// A value reached and left faster than max_rate per second (a spike up and back) becomes missing.
std::size_t rate_outliers(Series& s, double max_rate, ActionLog& log);

}  // namespace xinzhi::clean
