// The one landing grammar (src/acquire/landing): fields, CSV rows by header with quotes, JSON
// readings in the fast flat form and in any other valid form, with the same readings and the
// same reasons either way.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "acquire/landing/csv_readings.hpp"
#include "acquire/landing/json_readings.hpp"
#include "acquire/landing/reading_fields.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"

using namespace xinzhi;
using namespace xinzhi::acquire;

namespace {
Reading json(const std::string& line, std::string* reason = nullptr) {
  JsonReadingParser parser({}, 0);
  Reading r;
  const std::string why = parser.parse_line(line, r);
  if (reason) *reason = why;
  else EXPECT_EQ(why, "") << line;
  return r;
}
}  // namespace

TEST(LandingGrammar, TimestampsIsoWithOffsetsAndEpochMilliseconds) {
  TimestampReader t;
  TimestampMs v = 0;
  EXPECT_EQ(t.read("2026-01-01T00:00:10.497Z", v), "");
  EXPECT_EQ(v, *parse_iso8601("2026-01-01T00:00:10.497Z"));
  EXPECT_EQ(t.read("2024-02-29T23:59:59.999Z", v), "");
  EXPECT_EQ(v, *parse_iso8601("2024-02-29T23:59:59.999Z"));
  EXPECT_EQ(t.read("2023-02-29T00:00:00.000Z", v), "bad timestamp '2023-02-29T00:00:00.000Z'");
  EXPECT_EQ(t.read("2026-01-01 00:00:01", v), "");  // other layouts via parse_iso8601
  EXPECT_EQ(v, *parse_iso8601("2026-01-01T00:00:01Z"));
  EXPECT_EQ(t.read("2026-01-01T08:00:00+08:00", v), "");
  EXPECT_EQ(v, *parse_iso8601("2026-01-01T00:00:00Z"));
  EXPECT_EQ(t.read(" 1780311600000 ", v), "");
  EXPECT_EQ(v, 1780311600000);
  EXPECT_EQ(t.read("12:00", v, "received timestamp"), "bad received timestamp '12:00'");
}

TEST(LandingGrammar, Values) {
  std::optional<double> v;
  EXPECT_EQ(read_value(" +1.5 ", v), "");
  EXPECT_EQ(v, 1.5);
  EXPECT_EQ(read_value("-3e2", v), "");
  EXPECT_EQ(v, -300);
  EXPECT_EQ(read_value("0.30000000000000004", v), "");
  EXPECT_EQ(v, 0.1 + 0.2);  // long digit strings are still correctly rounded
  for (const char* missing : {"", "  ", "null", "NULL"}) {
    EXPECT_EQ(read_value(missing, v), "") << missing;
    EXPECT_FALSE(v) << missing;
  }
  EXPECT_EQ(read_value("abc", v), "value 'abc' is not a number");
  EXPECT_EQ(read_value("1.5.2", v), "value '1.5.2' is not a number");
  for (const char* nonfinite : {"nan", "inf", "-Infinity", "1e999"})
    EXPECT_EQ(read_value(nonfinite, v), fmt::format("value '{}' is not finite (NaN or infinity)", nonfinite));
}

TEST(LandingGrammar, JsonFlatAndGeneralFormsAgree) {
  const auto a = json(R"({"ts":"2026-01-05T00:00:01.500Z","machine":"M01","sensor":"power","value":3.25})");
  const auto b = json(R"( { "value" : 3.25 , "sensor":"power", "machine":"M01", "ts":"2026-01-05T00:00:01.500Z", "extra": [1] } )");
  EXPECT_EQ(a, b);
  EXPECT_TRUE(a.value);
  const auto c = json(R"({"ts":"2026-01-05T00:00:01.500Z","machine":"M\u00301","sensor":"power","value":null})");
  EXPECT_FALSE(c.value);
  EXPECT_EQ(c.machine, "M01");
  EXPECT_EQ(json(R"({"ts":1500,"machine":"M","sensor":"s","value":1e2})").value, 100);
  // A numeric string is a number, as in a CSV cell.
  EXPECT_EQ(json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":"1"})").value, 1);
  const auto d = json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"s","value":2,"received":"2026-01-05T00:00:00.040Z"})");
  EXPECT_EQ(d.received, *parse_iso8601("2026-01-05T00:00:00.040Z"));
}

TEST(LandingGrammar, JsonReasons) {
  std::string why;
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M01","sensor":"power"})", &why);
  EXPECT_EQ(why, "missing field 'value'");
  json(R"({"ts":"yesterday","machine":"M01","sensor":"power","value":1})", &why);
  EXPECT_EQ(why, "bad timestamp 'yesterday'");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"","sensor":"power","value":1})", &why);
  EXPECT_EQ(why, "empty machine");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":true})", &why);
  EXPECT_EQ(why, "field 'value' is not a number");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":"abc"})", &why);
  EXPECT_EQ(why, "value 'abc' is not a number");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":NaN})", &why);
  EXPECT_EQ(why, "value 'NaN' is not finite (NaN or infinity)");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":7,"sensor":"power","value":1})", &why);
  EXPECT_EQ(why, "field 'machine' is not a string");
  json(R"({"ts":"2026-01-05T00:00:00Z","machine":"M","sensor":"power","value":)", &why);
  EXPECT_EQ(why.rfind("malformed JSON: ", 0), 0u) << why;
  json("[1,2]", &why);
  EXPECT_EQ(why, "expected a JSON object");
}

TEST(LandingGrammar, CsvByHeaderWithQuotedFieldsAndReasons) {
  CsvReadingParser p(CsvReadingLayout("value,ts,machine,sensor", "f.csv:1"), {}, 0);
  Reading r;
  EXPECT_EQ(p.parse("1.5,2026-01-05T00:00:00Z,\"M,01\",power", r), "");
  EXPECT_EQ(r.machine, "M,01");
  EXPECT_EQ(r.value, 1.5);
  EXPECT_EQ(p.parse("1.5,2026-01-05T00:00:00Z,\"M01,power", r), "unbalanced quote");
  EXPECT_EQ(p.parse("inf,2026-01-05T00:00:00Z,M01,power", r), "value 'inf' is not finite (NaN or infinity)");
  EXPECT_EQ(p.parse(",2026-01-05T00:00:00Z,M01,power\r", r), "");
  EXPECT_FALSE(r.value);
  EXPECT_EQ(p.parse("1,2026-01-05T00:00:00Z,M01", r), "ragged row: 3 fields, expected 4");
  EXPECT_EQ(p.parse("1,2026-01-05T00:00:00Z, ,power", r), "empty machine");
  EXPECT_TRUE(CsvReadingParser::skip("  \r"));
  EXPECT_TRUE(CsvReadingParser::skip("# a comment"));
  try {
    CsvReadingLayout("ts,machine,value", "f.csv:1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "f.csv:1: the header line lacks column(s) sensor (expected ts,machine,sensor,value; got 'ts,machine,value')");
  }
  // Without a header: ts,machine,sensor,value and an optional received.
  CsvReadingParser h(CsvReadingLayout(), {}, 0);
  EXPECT_EQ(h.parse("2026-01-05T00:00:00Z,M1,power,2,2026-01-05T00:00:00.030Z", r), "");
  EXPECT_EQ(r.received, *parse_iso8601("2026-01-05T00:00:00.030Z"));
  EXPECT_EQ(h.parse("2026-01-05T00:00:00Z,M1,power,2", r), "");
  EXPECT_FALSE(r.received);
  EXPECT_TRUE(CsvReadingLayout::is_header("ts,machine,sensor,value,received"));
  EXPECT_FALSE(CsvReadingLayout::is_header("2026-01-05T00:00:00Z,M1,power,2"));
}

TEST(LandingGrammar, RulesJudgeTheSameWayEverywhere) {
  ReadingRules rules;
  rules.sensors = {"power"};
  rules.max_future_ms = 60'000;
  const TimestampMs now = *parse_iso8601("2026-01-05T00:00:00Z");
  CsvReadingParser p(CsvReadingLayout(), rules, now);
  JsonReadingParser j(rules, now);
  Reading r;
  EXPECT_EQ(p.parse("2026-01-05T00:00:00Z,M1,torque,2", r), "unknown sensor 'torque' (known: power)");
  EXPECT_EQ(j.parse_line(R"({"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"torque","value":2})", r),
            "unknown sensor 'torque' (known: power)");
  EXPECT_EQ(p.parse("2026-01-05T01:00:00Z,M1,power,2", r),
            "timestamp 2026-01-05T01:00:00.000Z is more than 60 s in the future");
}

TEST(LandingGrammar, Utf8Validation) {
  EXPECT_EQ(invalid_utf8_at("温度 ok"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("ab\xC0\xAF"), 2u);       // overlong
  EXPECT_EQ(invalid_utf8_at("ab\xED\xA0\x80"), 2u);   // surrogate
  EXPECT_EQ(invalid_utf8_at("\xE6\xB8"), 0u);          // cut short
  CsvReadingParser p(CsvReadingLayout(), {}, 0);
  Reading r;
  EXPECT_EQ(p.parse("2026-01-05T00:00:00Z,M1,temp\xff,2", r), "invalid UTF-8 at byte 29");
}
