// The repair steps on one series (one machine's sensor), each counting what it changed and
// logging every dropped or altered row with its reason, so that every clean value keeps its
// lineage (the raw rowid, or "inserted") and nothing disappears without a record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clean/rules.hpp"
#include "core/sampling.hpp"
#include "core/time.hpp"

namespace xinzhi::clean {

inline constexpr TimestampMs kNotReceived = INT64_MIN;

// What happened to a point (bits; a point may carry several).
enum PointFlag : std::uint16_t {
  kMoved = 1,         // timestamp snapped to the grid
  kSkew = 2,          // timestamp corrected for clock skew
  kUnit = 4,          // value converted to the sensor's unit
  kOutOfRange = 8,    // value outside the valid range: set missing
  kSpike = 16,        // Hampel outlier: set missing
  kRate = 32,         // rate-of-change outlier: set missing
  kStuck = 64,        // part of a stuck run: set missing
  kImputed = 128,     // value imputed
  kInserted = 256,    // row inserted for an absent reading
  kWasMissing = 512,  // arrived without a value
};

struct Series {
  std::string machine, sensor;
  std::vector<TimestampMs> ts;
  std::vector<double> value;           // NaN = missing
  std::vector<std::int64_t> rowid;     // readings rowid; -1 for an inserted row
  std::vector<std::uint16_t> flags;
  std::vector<std::string> method;     // how an imputed value was made ("" otherwise)
  // When the plant's collector received each row (kNotReceived: no stamp), as read; empty when
  // the source has no stamps. Only the clock-skew step reads it, before any row moves; the
  // cleaning then releases it (the steps that move rows do not keep it in step).
  std::vector<TimestampMs> received;

  std::size_t size() const { return ts.size(); }
  void push(TimestampMs t, double v, std::int64_t id, std::uint16_t f = 0);
  void erase_marked(const std::vector<std::uint8_t>& drop);  // keeps order
};

// A change to a raw row. dropped = the row has no clean value (a duplicate, a collision).
struct Action {
  std::string step;
  std::string machine, sensor;
  std::int64_t rowid = -1;
  TimestampMs ts = 0;
  double old_value = 0, new_value = 0;
  bool dropped = false;
  std::string reason;
};

using ActionLog = std::vector<Action>;

// Sorts by ts (stable: arrival order, i.e. rowid, breaks ties). Returns the number of rows that
// arrived out of order (earlier than a row that arrived before them); each is logged.
std::size_t reorder(Series& s, ActionLog& log);
// The same, with lateness judged by the caller (late[i]: row i arrived after a younger row of its
// source stream, e.g. its gateway's file, where other series' rows count too).
std::size_t reorder(Series& s, const std::vector<std::uint8_t>& late, ActionLog& log);
// Where each reading came from: (first rowid, source id) of each run of rowids, sorted.
using SourceRuns = std::vector<std::pair<std::int64_t, std::int64_t>>;
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
// Converts rows that are in °F (or a whole series in °F or K) where °C is expected: the whole
// series when its median fits the reference far better after conversion, single rows (°F only)
// when they do against their neighbours. reference: the typical value of this sensor type (NaN = the series' own).
std::size_t normalise_units(Series& s, const SensorRule& rule, double reference, ActionLog& log);
std::size_t mark_out_of_range(Series& s, const SensorRule& rule, ActionLog& log);
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
// Hampel filter made robust at steps: a value further than threshold noise scales from the
// median of the w valid values before it AND of the w after it (on the same side of both), and
// from its nearest valid neighbour on each side, becomes missing. The noise scale is local, from
// the first differences (at least the series' resolution). Returns the number of spikes.
std::size_t hampel(Series& s, int half_window, double threshold, ActionLog& log);
// A value reached and left faster than max_rate per second (a spike up and back) becomes missing.
std::size_t rate_outliers(Series& s, double max_rate, ActionLog& log);
// Inserts missing rows at the grid points of gaps up to max_gap_ms (0: up to 100 intervals).
// Returns the number of gaps filled with rows; *absent counts the points inserted.
std::size_t insert_gap_rows(Series& s, std::int64_t interval, std::int64_t max_gap_ms, std::size_t* inserted);
// Number of gaps (intervals over 1.5 times the nominal one).
std::size_t count_gaps(const std::vector<TimestampMs>& ts, std::int64_t interval);
// Standardised values (NaN stays NaN).
std::vector<double> standardise(const std::vector<double>& v, Standardise how);

}  // namespace xinzhi::clean
