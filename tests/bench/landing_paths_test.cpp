// One reading grammar on every path: the same rows, good and bad, in every landing format, fed
// through file ingest (into a real SQLite warehouse), the MQTT payload decoder (what the MQTT
// ingester stores) and the cleaning benchmark's fast columnar path give the same readings and
// the same quarantine reasons, in the same order.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "acquire/file_ingest.hpp"
#include "acquire/mqtt/payload.hpp"
#include "columnar_readings.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

struct Case {
  const char* name;
  bench::LandingFormat format;
  std::string text;             // the whole file (CSV with its header), ending with a newline
  std::size_t readings;         // readings expected
  std::vector<std::string> reasons;  // quarantine reasons expected, in order
};

// A reading as the comparison sees it (the fast path keeps no received stamp).
std::string key(TimestampMs ts, const std::string& m, const std::string& s, std::optional<double> v) {
  return fmt::format("{}|{}|{}|{}", ts, m, s, v ? fmt::format("{}", *v) : "missing");
}

struct Outcome {
  std::vector<std::string> readings, reasons;
  std::vector<std::optional<TimestampMs>> received;
};

Outcome through_file_ingest(const Case& c) {
  TempDir dir;
  const char* ext = c.format == bench::LandingFormat::csv ? "csv" : c.format == bench::LandingFormat::json_lines ? "jsonl" : "json";
  const std::string file = dir / fmt::format("case.{}", ext);
  write_text(file, c.text);
  store::Warehouse wh(dir / "w.db");
  const auto r = acquire::ingest_readings(wh, file);
  EXPECT_TRUE(r.problems.empty()) << c.name << ": " << (r.problems.empty() ? "" : r.problems[0]);
  Outcome o;
  store::Statement q = wh.db().prepare("SELECT ts, machine, sensor, value, received FROM readings ORDER BY rowid");
  while (q.step()) {
    o.readings.push_back(key(q.get_int(0), q.get_text(1), q.get_text(2),
                             q.is_null(3) ? std::nullopt : std::optional<double>(q.get_double(3))));
    o.received.push_back(q.is_null(4) ? std::nullopt : std::optional<TimestampMs>(q.get_int(4)));
  }
  store::Statement qr = wh.db().prepare("SELECT reason FROM quarantine ORDER BY id");
  while (qr.step()) o.reasons.push_back(qr.get_text(0));
  return o;
}

Outcome through_mqtt(const Case& c) {
  // A CSV payload carries its header (what `xinzhi mqtt publish` sends), after the message id.
  const auto d = acquire::decode_payload("#id=gw/1\n" + c.text, acquire::ReadingRules{}, now_ms());
  Outcome o;
  EXPECT_EQ(d.msg_id, "gw/1") << c.name;
  for (const auto& r : d.readings) {
    o.readings.push_back(key(r.ts, r.machine, r.sensor, r.value));
    o.received.push_back(r.received);
  }
  for (const auto& r : d.rejected) o.reasons.push_back(r.reason);
  return o;
}

Outcome through_fast_path(const Case& c) {
  const auto p = bench::parse_readings_columns(c.text, "case", 2, c.format);
  Outcome o;
  for (std::size_t i = 0; i < p.rows(); ++i)
    o.readings.push_back(key(p.ts[i], p.series_machine[p.series[i]], p.series_sensor[p.series[i]],
                             std::isnan(p.value[i]) ? std::nullopt : std::optional<double>(p.value[i])));
  for (const auto& r : p.rejected) o.reasons.push_back(r.reason);
  return o;
}

const std::string kBadUtf8 = "M1\xff";

std::vector<Case> cases() {
  using F = bench::LandingFormat;
  return {
      {"csv: canonical, other ISO forms, epoch milliseconds, missing values",
       F::csv,
       "ts,machine,sensor,value\n"
       "2026-01-05T00:00:00.000Z,M1,temperature,21.5\n"
       "2026-01-05 08:00:01+08:00,M1,temperature,-3e2\n"
       "1767571202000,M1,temperature,+1.25\n"
       "2026-01-05T00:00:03Z,M1,temperature,\n"
       "2026-01-05T00:00:04Z,M1,temperature,null\n"
       " 2026-01-05T00:00:05.000Z , M1 , temperature , 7 \n"
       "\n"
       "# a comment line carries nothing\n",
       6,
       {}},
      {"csv: columns by header, quotes, extra columns, received stamps",
       F::csv,
       "value,note,sensor,machine,ts,received\n"
       "1.5,\"a, quoted note\",power,\"M,01\",2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.040Z\n"
       "2,,power,M02,2026-01-05T00:00:01.000Z,\n"
       "\"3\",x,power,M02,2026-01-05T00:00:02.000Z,1767571202030\n",
       3,
       {}},
      {"csv: every reason",
       F::csv,
       "ts,machine,sensor,value\n"
       "2026-13-01T00:00:00.000Z,M1,temperature,1\n"
       "2026-01-05T00:00:00.000Z,M1,temperature,abc\n"
       "2026-01-05T00:00:00.000Z,M1,temperature,nan\n"
       "2026-01-05T00:00:00.000Z,M1,temperature,inf\n"
       "2026-01-05T00:00:00.000Z,M1,temperature,1e999\n"
       "2026-01-05T00:00:00.000Z,M1,temperature\n"
       "2026-01-05T00:00:00.000Z,\"M1,temperature,1\n"
       "2026-01-05T00:00:00.000Z," + kBadUtf8 + ",temperature,1\n"
       "2026-01-05T00:00:00.000Z,,temperature,1\n"
       "2026-01-05T00:00:00.000Z,M1, ,1\n"
       "2026-01-05T00:00:00.000Z,M1,temperature,2\n",
       1,
       {"bad timestamp '2026-13-01T00:00:00.000Z'", "value 'abc' is not a number",
        "value 'nan' is not finite (NaN or infinity)", "value 'inf' is not finite (NaN or infinity)",
        "value '1e999' is not finite (NaN or infinity)", "ragged row: 3 fields, expected 4", "unbalanced quote",
        "invalid UTF-8 at byte 28", "empty machine", "empty sensor"}},
      {"json lines: flat and general forms, numeric strings, null, received",
       F::json_lines,
       R"({"ts":"2026-01-05T00:00:00.000Z","machine":"M1","sensor":"power","value":3.25})" "\n"
       R"( { "value" : 3.25 , "sensor":"power", "machine":"M\u0031", "ts":"2026-01-05T00:00:01Z", "extra": [1] } )" "\n"
       R"({"ts":1767571202000,"machine":"M1","sensor":"power","value":"12.5"})" "\n"
       R"({"ts":"2026-01-05T00:00:03Z","machine":"M1","sensor":"power","value":null,"received":"2026-01-05T00:00:03.050Z"})" "\n",
       4,
       {}},
      {"json lines: every reason",
       F::json_lines,
       R"({"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power","value":NaN})" "\n"
       R"({"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power"})" "\n"
       R"({"ts":"yesterday","machine":"M1","sensor":"power","value":1})" "\n"
       R"({"ts":"2026-01-05T00:00:00Z","machine":7,"sensor":"power","value":1})" "\n"
       R"({"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power","value":true})" "\n"
       R"({"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power","value":"abc"})" "\n"
       R"({"ts":"2026-01-05T00:00:00Z","machine":"","sensor":"power","value":1})" "\n"
       R"({"ts":2.5,"machine":"M1","sensor":"power","value":1})" "\n"
       "[1,2]\n"
       R"({"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power","value":4})" "\n",
       1,
       {"value 'NaN' is not finite (NaN or infinity)", "missing field 'value'", "bad timestamp 'yesterday'",
        "field 'machine' is not a string", "field 'value' is not a number", "value 'abc' is not a number",
        "empty machine", "bad timestamp: expected an ISO-8601 string or milliseconds", "expected a JSON object"}},
      {"json document: a list of readings, good and bad",
       F::json,
       R"([{"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power","value":1},
           {"ts":"2026-01-05T00:00:01Z","machine":"M1","sensor":"power","value":Infinity},
           {"ts":"2026-01-05T00:00:02Z","machine":"M1","sensor":"power","value":null},
           "not a reading"])" "\n",
       2,
       {"value 'Infinity' is not finite (NaN or infinity)", "expected a JSON object"}},
      {"json document: readings under an id",
       F::json,
       R"({"id":"gw/1","readings":[{"ts":"2026-01-05T00:00:00Z","machine":"M1","sensor":"power","value":1},
                                   {"ts":"2026-01-05T00:00:01Z","sensor":"power","value":2}]})" "\n",
       1,
       {"missing field 'machine'"}},
  };
}

}  // namespace

TEST(LandingPaths, SameReadingsAndReasonsOnEveryPath) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Outcome file = through_file_ingest(c), mqtt = through_mqtt(c), fast = through_fast_path(c);
    EXPECT_EQ(file.readings.size(), c.readings);
    EXPECT_EQ(file.reasons, c.reasons);
    EXPECT_EQ(mqtt.readings, file.readings);
    EXPECT_EQ(mqtt.reasons, file.reasons);
    EXPECT_EQ(mqtt.received, file.received);
    EXPECT_EQ(fast.readings, file.readings);
    EXPECT_EQ(fast.reasons, file.reasons);
  }
}

TEST(LandingPaths, ReceivedStampsAndValuesAsWritten) {
  const Case c = cases()[1];
  const Outcome file = through_file_ingest(c);
  ASSERT_EQ(file.readings.size(), 3u);
  EXPECT_EQ(file.readings[0], key(*parse_iso8601("2026-01-05T00:00:00Z"), "M,01", "power", 1.5));
  EXPECT_EQ(file.received[0], *parse_iso8601("2026-01-05T00:00:00.040Z"));
  EXPECT_FALSE(file.received[1]);
  EXPECT_EQ(file.received[2], 1767571202030);
  EXPECT_EQ(file.readings[2], key(1767571202000, "M02", "power", 3.0));
}
