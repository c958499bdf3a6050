// The landing row parsers: CSV with quotes, JSON Lines in the fast flat form and in any other
// valid form, with the same readings and the same reasons either way.
#include <gtest/gtest.h>

#include "acquire/reading_parser.hpp"

using namespace xinzhi;
using namespace xinzhi::acquire;

namespace {
Reading json(const std::string& line, std::string* reason = nullptr) {
  static std::string m, s;
  Reading r;
  const std::string why = parse_json_reading(line, r, m, s);
  if (reason) *reason = why;
  else EXPECT_EQ(why, "") << line;
  return r;
}
}  // namespace

TEST(ReadingParser, JsonFlatAndGeneralFormsAgree) {
  const auto a = json(R"({"ts":"2026-01-05T00:00:01.500Z","machine":"M01","sensor":"power","value":3.25})");
  const auto b = json(R"( { "value" : 3.25 , "sensor":"power", "machine":"M01", "ts":"2026-01-05T00:00:01.500Z", "extra": [1] } )");
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.value, b.value);
  EXPECT_TRUE(a.has_value && b.has_value);
  const auto c = json(R"({"ts":"2026-01-05T00:00:01.500Z","machine":"M\u00301","sensor":"power","value":null})");
  EXPECT_FALSE(c.has_value);
  EXPECT_EQ(c.machine, "M01");
  EXPECT_EQ(json(R"({"ts":1500,"machine":"M","sensor":"s","value":1e2})").value, 100);
}

TEST(ReadingParser, JsonReasons) {
  std::string why;
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M01","sensor":"power"})", &why);
  EXPECT_EQ(why, "missing field 'value'");
  json(R"({"ts":"yesterday","machine":"M01","sensor":"power","value":1})", &why);
  EXPECT_EQ(why, "bad timestamp 'yesterday'");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"","sensor":"power","value":1})", &why);
  EXPECT_EQ(why, "empty machine");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":"1"})", &why);
  EXPECT_EQ(why, "field 'value' is not a number");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":NaN})", &why);
  EXPECT_EQ(why, "malformed JSON");
}

TEST(ReadingParser, CsvQuotedFieldsAndReasons) {
  CsvReadingLayout layout("value,ts,machine,sensor", "f.csv:1");
  std::vector<std::string_view> fields;
  Reading r;
  EXPECT_EQ(layout.parse("1.5,2026-01-05T00:00:00Z,\"M,01\",power", r, fields), "");
  EXPECT_EQ(r.machine, "M,01");
  EXPECT_EQ(r.value, 1.5);
  EXPECT_EQ(layout.parse("1.5,2026-01-05T00:00:00Z,\"M01,power", r, fields), "unbalanced quote");
  EXPECT_EQ(layout.parse("inf,2026-01-05T00:00:00Z,M01,power", r, fields), "value is not a finite number: 'inf'");
  EXPECT_EQ(layout.parse(",2026-01-05T00:00:00Z,M01,power\r", r, fields), "");
  EXPECT_FALSE(r.has_value);
}

TEST(ReadingParser, Utf8Validation) {
  EXPECT_EQ(invalid_utf8_at("温度 ok"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("ab\xC0\xAF"), 2u);       // overlong
  EXPECT_EQ(invalid_utf8_at("ab\xED\xA0\x80"), 2u);   // surrogate
  EXPECT_EQ(invalid_utf8_at("\xE6\xB8"), 0u);          // cut short
}
