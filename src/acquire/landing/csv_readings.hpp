// Landing readings in CSV: the columns are named by a header line (ts | timestamp | time,
// machine, sensor, value, and optionally received, in any order; other columns are ignored),
// fields may be quoted as RFC 4180 says, and every row is read by the one grammar of
// reading_fields.hpp and judged by ReadingRules. Without a header (an MQTT payload may leave it
// out) the columns are ts,machine,sensor,value[,received].
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acquire/landing/reading_fields.hpp"
#include "acquire/landing/reading_rules.hpp"
#include "core/reading.hpp"

namespace xinzhi::acquire {

class CsvReadingLayout {
 public:
  // ts,machine,sensor,value with an optional fifth column received.
  CsvReadingLayout();
  // From a header line. Throws InputError(place, ...) when it lacks ts, machine, sensor or value.
  CsvReadingLayout(std::string_view header, const std::string& place);
  // Whether a line is a header this layout can be built from (its fields name the columns).
  static bool is_header(std::string_view line);

  std::size_t columns() const { return columns_; }

 private:
  friend class CsvReadingParser;
  std::size_t columns_ = 4;
  bool optional_received_ = false;  // headerless: 4 or 5 fields
  int ts_ = 0, machine_ = 1, sensor_ = 2, value_ = 3, received_ = -1;
};

// Reads the rows of one file or payload (keeps scratch space and the timestamp reader's
// cache between rows: one parser per thread).
class CsvReadingParser {
 public:
  CsvReadingParser(CsvReadingLayout layout, ReadingRules rules, TimestampMs now);
  // One line (without its "\n"; a trailing "\r" is ignored). "" and out filled on success,
  // else the reason. A blank line or a "#" comment is no reading: skip(line) tells.
  std::string parse(std::string_view line, Reading& out);
  static bool skip(std::string_view line);
  // After a successful parse: whether out's machine or sensor differ from what out held before
  // (rows of one series come in runs, and a reader that interns series looks up only changes).
  bool series_changed() const { return series_changed_; }

 private:
  bool parse_plain(std::string_view line, Reading& out);

  CsvReadingLayout layout_;
  bool plain_layout_ = false;  // ts,machine,sensor,value[,received] in this order
  bool check_rules_ = false;   // rules_ restrict anything
  ReadingRules rules_;
  TimestampMs now_;
  TimestampReader times_;
  std::vector<std::string_view> fields_;
  std::string storage_;
  bool series_changed_ = true;
};

}  // namespace xinzhi::acquire
