// Landing readings in JSON: a reading is an object {"ts", "machine", "sensor", "value",
// optionally "received"} (other keys are ignored) whose fields are read by the one grammar of
// reading_fields.hpp ("value" may be a number, a numeric string or null; "ts" and "received"
// ISO-8601 strings or integer milliseconds) and judged by ReadingRules. A JSON Lines text has
// one reading object per line; a JSON document is one reading, a list of readings, or
// {"id": ..., "readings": [...]}. The bare words NaN and Infinity that Python's json module
// writes are read as the not-finite values they mean (and so refused as such, not as bad JSON).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "acquire/landing/reading_fields.hpp"
#include "acquire/landing/reading_rules.hpp"
#include "core/reading.hpp"

namespace xinzhi::acquire {

struct RejectedReading {
  std::string where;   // "" for the whole text, "reading 2" for an item of a list
  std::string raw;     // the rejected text (the item, re-serialised, for a list item)
  std::string reason;
};

struct JsonReadings {
  std::string id;  // the document's "id" (the publisher's message id), "" when none
  std::vector<Reading> readings;
  std::vector<RejectedReading> rejected;
};

class JsonReadingParser {
 public:
  JsonReadingParser(ReadingRules rules, TimestampMs now);
  // One line of JSON Lines: "" and out filled, or the reason.
  std::string parse_line(std::string_view line, Reading& out);
  // A whole JSON document, appended to into (into.id set when the document has one).
  void parse_document(std::string_view text, JsonReadings& into);

 private:
  ReadingRules rules_;
  TimestampMs now_;
  TimestampReader times_;
};

}  // namespace xinzhi::acquire
