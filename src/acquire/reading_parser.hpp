// Parsing of one landing reading (ts, machine, sensor, value, and optionally received: when the
// plant's collector got it) from a CSV line or a JSON Lines object, with every field validated.
// A line that fails gives a reason for the quarantine.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::acquire {

struct Reading {
  TimestampMs ts = 0;
  std::string_view machine, sensor;  // views into the line (or into the parser's storage for JSON)
  bool has_value = false;            // false: the gateway reported the value as missing
  double value = 0;
  // The collector's arrival stamp (its own, synchronised clock), when the source carries one:
  // ts is the device's clock, and the two together show a device clock that is off.
  bool has_received = false;
  TimestampMs received = 0;
};

// The column layout of a readings CSV, learnt from its header line.
class CsvReadingLayout {
 public:
  // Throws InputError(place, ...) when the header lacks ts, machine, sensor or value.
  CsvReadingLayout(std::string_view header, const std::string& place);
  // Empty string on success; otherwise the reason the line cannot be used.
  std::string parse(std::string_view line, Reading& out, std::vector<std::string_view>& fields_scratch) const;
  std::size_t column_count() const { return columns_; }

 private:
  std::size_t columns_ = 0;
  int ts_ = -1, machine_ = -1, sensor_ = -1, value_ = -1, received_ = -1;  // received: optional
};

// Parses {"ts": "ISO" | ms, "machine": "...", "sensor": "...", "value": number | null} with an
// optional "received": "ISO" | ms | null.
// machine and sensor are copied into storage (which must outlive out). Empty string = success.
std::string parse_json_reading(std::string_view line, Reading& out, std::string& machine_storage,
                               std::string& sensor_storage);

// Splits a CSV line into fields (RFC 4180 quotes allowed). False when a quote is unbalanced.
bool split_csv(std::string_view line, std::vector<std::string_view>& fields, std::string& unquote_storage);

// Position of the first byte that is not valid UTF-8, or npos.
std::size_t invalid_utf8_at(std::string_view s);

}  // namespace xinzhi::acquire
