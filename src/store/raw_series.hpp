// The raw readings read back by series, for the cleaning and the landing profile: one series per
// (machine, sensor), rows in arrival (rowid) order, with their rowids (the lineage key) and the
// collector's arrival stamps where the source had them.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

inline constexpr TimestampMs kNoArrivalStamp = std::numeric_limits<TimestampMs>::min();

struct RawSeries {
  std::string machine, sensor;
  std::vector<TimestampMs> ts;
  std::vector<double> value;        // NaN = reported missing
  std::vector<std::int64_t> rowid;
  // Arrival stamps (kNoArrivalStamp where a row has none); empty when no row of the series has one.
  std::vector<TimestampMs> received;
  std::size_t size() const { return ts.size(); }
};

// Every series of the readings table, sorted by (machine, sensor).
std::vector<RawSeries> read_raw_series(Database& db);

}  // namespace xinzhi::store
