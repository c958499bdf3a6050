// The types every cleaning step shares: a Series (one machine's sensor: timestamps, values, the
// raw rowid of each row and flags saying what happened to it) and the ActionLog in which each
// step records every row it drops or alters, with the reason, so that every clean value keeps its
// lineage (the raw rowid, or "inserted") and nothing disappears without a record.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/raw_series.hpp"

namespace xinzhi::clean {

// A missing value in a Series (and in the values the steps compute from one).
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Series::received of a row that the collector did not stamp.
// A row without an arrival stamp: the warehouse's marker (store/raw_series.hpp).
inline constexpr TimestampMs kNotReceived = store::kNoArrivalStamp;

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
  // Appends row i of another series as it is (its method string is moved; received is not kept).
  void push_row_of(Series& from, std::size_t i);
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

// The action of `step` on row i of s as it is now (its rowid, timestamp and value before the change).
Action row_action(const Series& s, std::size_t i, std::string step, std::string reason, double new_value = kNaN,
                  bool dropped = false);

}  // namespace xinzhi::clean
