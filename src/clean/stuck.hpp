// Stuck sensors: runs of equal readings that the sensor's own noise makes implausible, and a
// sensor frozen at its rest level (0 rpm) while the machine's other sensors show the machine
// working. The rows after a run's first are logged, and become missing on request.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "clean/series.hpp"

namespace xinzhi::clean {

// Runs of at least min_run equal values that the sensor's local noise makes implausible (less
// than one chance in a thousand over the series), not at the series' rest level; the rows after
// a run's first become missing when to_missing. Returns the number of runs.
std::size_t detect_stuck(Series& s, int min_run, bool to_missing, ActionLog& log);
// A sensor frozen at its rest level (the series' lowest value when it is also a common one, e.g.
// 0 rpm) reads like a machine standing still; the machine's other sensors tell the two apart.
// From the series' own history, each context series (the machine's other sensors) learns the
// threshold that best separates its values while this one is at rest from those while it is
// not; the good separators (balanced accuracy >= 0.97) then vote at each rest reading. Stretches
// of at least min_run rest readings during which all of them (two at least) say "working", or,
// where three or more vote, all but the least accurate one, are returned as [first, last] row
// indices (NaN rows inside are skipped). A stretch must follow at least min_run genuine rest
// readings: a frozen sensor holds the value it last read, so one that drops to rest while the
// others still say "working" is a machine stopping, not a stuck sensor.
std::vector<std::pair<std::size_t, std::size_t>> stuck_at_rest(const Series& s,
                                                                const std::vector<const Series*>& context,
                                                                std::size_t min_run);
// Logs (and, when to_missing, blanks) the rows of such stretches as stuck. Returns their number.
std::size_t mark_stuck_at_rest(Series& s, const std::vector<std::pair<std::size_t, std::size_t>>& stretches,
                               bool to_missing, ActionLog& log);

}  // namespace xinzhi::clean
