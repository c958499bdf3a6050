// Decoding MQTT payloads: the formats gateways send, and every kind of bad input with its reason.
#include <gtest/gtest.h>

#include <cmath>

#include "acquire/mqtt/payload.hpp"

using namespace xinzhi;
using namespace xinzhi::acquire;

namespace {

const TimestampMs kNow = *parse_iso8601("2026-06-01T12:00:00Z");

// The rules of a live source, as `xinzhi mqtt ingest` sets them by default.
DecodedPayload decode(const std::string& p, const ReadingRules& rules = ReadingRules::live(),
                      std::size_t max_payload = kDefaultMaxPayload) {
  return decode_payload(p, rules, kNow, max_payload);
}

bool has_reason(const DecodedPayload& d, const std::string& fragment) {
  for (const auto& r : d.rejected)
    if (r.reason.find(fragment) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(MqttPayload, CsvLinesWithHeaderIdAndMissingValue) {
  const auto d = decode("#id=gw1/7\nts,machine,sensor,value\n2026-06-01T11:00:00.250Z,M01,temperature,21.5\n"
                        "2026-06-01T11:00:01Z,M01,humidity,\n1780311600000,M02,pressure,101.3\n");
  EXPECT_EQ(d.msg_id, "gw1/7");
  ASSERT_EQ(d.readings.size(), 3u);
  EXPECT_TRUE(d.rejected.empty());
  EXPECT_EQ(d.readings[0].ts, *parse_iso8601("2026-06-01T11:00:00.250Z"));
  EXPECT_EQ(d.readings[0].machine, "M01");
  EXPECT_DOUBLE_EQ(*d.readings[0].value, 21.5);
  EXPECT_FALSE(d.readings[1].value.has_value());
  EXPECT_EQ(d.readings[2].ts, 1780311600000);
}

TEST(MqttPayload, JsonShapes) {
  const auto one = decode(R"({"id":"gw/1","ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":"speed","value":1500})");
  EXPECT_EQ(one.msg_id, "gw/1");
  ASSERT_EQ(one.readings.size(), 1u);
  EXPECT_DOUBLE_EQ(*one.readings[0].value, 1500);

  const auto arr = decode(R"([{"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":"speed","value":null},
                              {"ts":"2026-06-01T11:00:01Z","machine":"M01","sensor":"speed","value":"12.5"}])");
  ASSERT_EQ(arr.readings.size(), 2u);
  EXPECT_FALSE(arr.readings[0].value);
  EXPECT_DOUBLE_EQ(*arr.readings[1].value, 12.5);

  const auto wrapped = decode(R"({"id":42,"readings":[{"ts":1780311600000,"machine":"M3","sensor":"power","value":3}]})");
  EXPECT_EQ(wrapped.msg_id, "42");
  ASSERT_EQ(wrapped.readings.size(), 1u);

  const auto lines = decode("#id=g/2\n{\"ts\":\"2026-06-01T11:00:00Z\",\"machine\":\"M1\",\"sensor\":\"power\",\"value\":1}\n"
                            "{\"ts\":\"2026-06-01T11:00:01Z\",\"machine\":\"M1\",\"sensor\":\"power\",\"value\":2}\n"
                            "{\"ts\":\"2026-06-01T11:00:02Z\",\"machine\":\"M1\",\"sensor\":\"power\",\"value\":\n");
  EXPECT_EQ(lines.msg_id, "g/2");
  EXPECT_EQ(lines.readings.size(), 2u);
  ASSERT_EQ(lines.rejected.size(), 1u);
  EXPECT_EQ(lines.rejected[0].where, "line 4");
  EXPECT_NE(lines.rejected[0].reason.find("malformed JSON"), std::string::npos);
}

TEST(MqttPayload, MalformedJsonIsRejectedWhole) {
  const auto d = decode(R"({"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":)");
  EXPECT_TRUE(d.readings.empty());
  ASSERT_EQ(d.rejected.size(), 1u);
  EXPECT_TRUE(has_reason(d, "malformed JSON"));
  EXPECT_EQ(d.rejected[0].raw, R"({"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":)");
}

TEST(MqttPayload, MalformedCsvLinesAreRejectedOneByOne) {
  const auto d = decode("2026-06-01T11:00:00Z,M01,temperature,20\nnot,a,reading\n2026-13-45T00:00:00Z,M01,temperature,1\n"
                        "2026-06-01T11:00:00Z,M01,temperature,abc\n\x01\x02\x03\n");
  EXPECT_EQ(d.readings.size(), 1u);
  ASSERT_EQ(d.rejected.size(), 4u);
  EXPECT_TRUE(has_reason(d, "ragged row: 3 fields, expected 4"));
  EXPECT_TRUE(has_reason(d, "bad timestamp '2026-13-45T00:00:00Z'"));
  EXPECT_TRUE(has_reason(d, "value 'abc' is not a number"));
  EXPECT_EQ(d.rejected[0].where, "line 2");
}

TEST(MqttPayload, OversizePayload) {
  const std::size_t max_payload = 1 << 20;
  std::string big = "#id=x/1\n";
  while (big.size() <= max_payload) big += "2026-06-01T11:00:00Z,M01,temperature,20\n";
  const auto d = decode(big, ReadingRules::live(), max_payload);
  EXPECT_TRUE(d.readings.empty());
  ASSERT_EQ(d.rejected.size(), 1u);
  EXPECT_TRUE(has_reason(d, "over the limit of 1048576 bytes"));
  EXPECT_EQ(d.rejected[0].raw.size(), 4096u);  // only the start is kept for the quarantine
}

TEST(MqttPayload, UnknownSensorAndConfigurableSet) {
  const std::string p = "2026-06-01T11:00:00Z,M01,torque,20\n";
  EXPECT_EQ(decode(p).readings.size(), 1u);  // by default any sensor name is taken
  ReadingRules rules = ReadingRules::live();  // --sensors temperature,humidity,...
  rules.sensors = {"temperature", "humidity", "pressure", "speed", "vibration", "power"};
  const auto d = decode(p, rules);
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_reason(d, "unknown sensor 'torque'"));
  rules.sensors.insert("torque");
  EXPECT_EQ(decode(p, rules).readings.size(), 1u);
}

TEST(MqttPayload, NanAndInfinity) {
  const auto csv = decode("2026-06-01T11:00:00Z,M01,temperature,NaN\n2026-06-01T11:00:00Z,M01,temperature,inf\n"
                          "2026-06-01T11:00:00Z,M01,temperature,-Infinity\n2026-06-01T11:00:00Z,M01,temperature,1e999\n");
  EXPECT_TRUE(csv.readings.empty());
  ASSERT_EQ(csv.rejected.size(), 4u);
  for (const auto& r : csv.rejected) EXPECT_NE(r.reason.find("not finite"), std::string::npos) << r.reason;

  // As JSON strings, and as the bare NaN/Infinity words Python's json module writes.
  const auto js = decode(R"([{"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":"power","value":"NaN"},
                             {"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":"power","value":Infinity},
                             {"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":"power","value":NaN},
                             {"ts":"2026-06-01T11:00:00Z","machine":"M01","sensor":"power","value":4}])");
  ASSERT_EQ(js.readings.size(), 1u);
  ASSERT_EQ(js.rejected.size(), 3u);
  for (const auto& r : js.rejected) EXPECT_NE(r.reason.find("not finite"), std::string::npos) << r.reason;
  EXPECT_EQ(js.rejected[1].where, "reading 1");
}

TEST(MqttPayload, TimestampWindowIsConfigurable) {
  const std::string p = "2030-01-01T00:00:00Z,M01,temperature,20\n1990-01-01T00:00:00Z,M01,temperature,20\n"
                        "2026-06-01T13:00:00Z,M01,temperature,20\n";
  const auto d = decode(p);
  EXPECT_EQ(d.readings.size(), 1u);  // one hour ahead is inside the default day of skew
  EXPECT_TRUE(has_reason(d, "in the future"));
  EXPECT_TRUE(has_reason(d, "in the past"));
  ReadingRules tight;
  tight.max_future_ms = 60'000;
  tight.max_past_ms = 40LL * 365 * 86400 * 1000;
  const auto t = decode(p, tight);
  EXPECT_EQ(t.readings.size(), 1u);  // 1990 is now inside, 13:00 is now an hour too far ahead
  EXPECT_EQ(t.readings[0].ts, *parse_iso8601("1990-01-01T00:00:00Z"));
}

TEST(MqttPayload, PublisherFormatsRoundTrip) {
  std::vector<Reading> rs = {{kNow - 1000, "M01", "temperature", 21.25},
                                   {kNow, "M02", "humidity", std::nullopt},
                                   {kNow + 1, "M\"3", "power", 0.1}};
  for (const auto& payload : {readings_to_json("s/g/1", rs), readings_to_csv("s/g/1", {rs[0], rs[1]})}) {
    const auto d = decode(payload);
    EXPECT_EQ(d.msg_id, "s/g/1") << payload;
    EXPECT_TRUE(d.rejected.empty()) << payload;
    ASSERT_GE(d.readings.size(), 2u) << payload;
    EXPECT_EQ(d.readings[0].ts, rs[0].ts);
    EXPECT_DOUBLE_EQ(*d.readings[0].value, 21.25);
    EXPECT_FALSE(d.readings[1].value);
  }
  EXPECT_EQ(decode(readings_to_json("s/g/1", rs)).readings[2].machine, "M\"3");
  const auto single = decode(readings_to_json("id1", {rs[0]}));
  EXPECT_EQ(single.msg_id, "id1");
  EXPECT_EQ(single.readings.size(), 1u);
  EXPECT_NE(content_key("a", "x"), content_key("b", "x"));
  EXPECT_EQ(content_key("a", "x"), content_key("a", "x"));
}
