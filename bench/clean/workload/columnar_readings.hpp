// The fast path of the cleaning benchmark: a whole landing file parsed into columns (series id,
// timestamp, value) on several threads, each row read by the product's one landing grammar
// (src/acquire/landing), so a row gives the same reading or the same quarantine reason here as
// in `xinzhi ingest` and over MQTT. Series ids are interned and ordered by (machine, sensor).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/huge_pages.hpp"
#include "core/time.hpp"

namespace xinzhi::bench {

struct RejectedRow {
  long line = 0;  // 1-based line of the file
  std::string raw, reason;
};

// Readings in file order. series[i] indexes series_machine/series_sensor, which are sorted by
// (machine, sensor) so that series ids order the way the output does.
struct ColumnarReadings {
  std::vector<std::string> series_machine, series_sensor;
  BigVector<std::uint32_t> series;
  BigVector<TimestampMs> ts;
  BigVector<double> value;            // NaN for a missing value
  std::vector<RejectedRow> rejected;  // in line order
  std::size_t rows() const { return ts.size(); }
};

enum class LandingFormat { csv, json_lines, json };

// Parses the text: CSV (columns by its header line; a header without the reading's columns is an
// InputError naming name:1), JSON Lines or a JSON document. For CSV and JSON Lines each thread
// parses one slice of whole lines and keeps its rows in file order; slices are concatenated in
// order. A JSON document is read whole (its refused items have line 0 and raw as written).
ColumnarReadings parse_readings_columns(std::string_view text, const std::string& name, int threads,
                                        LandingFormat format = LandingFormat::csv);

}  // namespace xinzhi::bench
