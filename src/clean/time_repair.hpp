// Time repair of a series: rows put back in time order (counting those that arrived late),
// duplicates dropped, a device clock that is off corrected, and timestamps snapped onto the
// series' sampling grid. Every row dropped or moved is logged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clean/series.hpp"
#include "store/sources_table.hpp"

namespace xinzhi::clean {

// Sorts by ts (stable: arrival order, i.e. rowid, breaks ties). Returns the number of rows that
// arrived out of order (earlier than a row that arrived before them); each is logged.
std::size_t reorder(Series& s, ActionLog& log);
// The same, with lateness judged by the caller (late[i]: row i arrived after a younger row of its
// source stream, e.g. its gateway's file, where other series' rows count too).
std::size_t reorder(Series& s, const std::vector<std::uint8_t>& late, ActionLog& log);
// Where each reading came from: (first rowid, source id) of each run of rowids, sorted.
using SourceRuns = store::SourceRuns;  // as the warehouse records them (store/sources_table.hpp)
// Per series and row: arrived after a row with a later timestamp of the same source (in rowid
// order). A gateway that holds a row back delays it behind other machines' rows as well.
std::vector<std::vector<std::uint8_t>> late_in_source(const std::vector<Series>& set, const SourceRuns& runs);
// Drops rows with the same ts as the kept row before them (or within tolerance_ms, with an equal
// value when same_value): keeps the first to arrive. Each drop is logged with the kept rowid.
std::size_t deduplicate(Series& s, std::int64_t tolerance_ms, bool same_value, ActionLog& log);
// The median offset of the timestamps from the epoch-aligned grid of `interval`, in
// [-interval/2, interval/2).
std::int64_t grid_phase(const std::vector<TimestampMs>& ts, std::int64_t interval);
// The device clock's offset (device minus true time) from the collector's arrival stamps, when at
// least min_rows rows carry one: received - ts is the latency minus that offset, latency is never
// negative and short for most rows, so a low quantile of received - ts is minus the offset plus
// the shortest latencies (NTP's minimum-delay idea), robust to rows held back or buffered.
std::optional<std::int64_t> arrival_skew(const Series& s, std::size_t min_rows = 20);
// Shifts all timestamps by -skew_ms (one logged action for the series); how: what showed it.
void correct_skew(Series& s, std::int64_t skew_ms, ActionLog& log, const std::string& how = "against the other series");
// Snaps timestamps to the nearest point of the grid phase + k * interval; rows that land on an occupied slot are
// dropped and logged. Returns the number of rows moved.
// phase: the grid's offset from the epoch-aligned one (each device may poll at its own phase).
std::size_t snap_timestamps(Series& s, std::int64_t interval, ActionLog& log, std::size_t* collisions = nullptr,
                            std::int64_t phase = 0);
// The series' own grid offset in [0, interval): the circular mean of t mod interval, which
// stays right when the offsets sit near interval/2 and jitter wraps some of them around.
std::int64_t circular_phase(const std::vector<TimestampMs>& ts, std::int64_t interval);

}  // namespace xinzhi::clean
