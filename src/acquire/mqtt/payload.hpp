// Decoding an MQTT payload into sensor readings: JSON (one object, an array, {"id","readings"}
// or JSON Lines) or CSV lines ts,machine,sensor,value[,received]. Every reading is checked (known sensor,
// finite value, timestamp inside a window); what fails is returned with its reason for quarantine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "acquire/mqtt/sensor_reading.hpp"

namespace xinzhi::acquire {

struct ReadingRules {
  std::set<std::string> sensors = default_sensors();
  std::size_t max_payload = 1 << 20;                   // bytes; larger payloads are quarantined whole
  std::int64_t max_past_ms = 3650LL * 24 * 3600 * 1000;  // readings older than now - this are rejected
  std::int64_t max_future_ms = 24LL * 3600 * 1000;       // readings newer than now + this are rejected
};

struct RejectedInput {
  std::string where;   // "" for the whole payload, else "line 3" / "reading 2"
  std::string raw;     // the rejected text
  std::string reason;
};

struct DecodedPayload {
  std::string msg_id;  // the publisher's message id ("#id=..." first line or "id" in JSON); may be empty
  std::vector<SensorReading> readings;
  std::vector<RejectedInput> rejected;
};

// Decodes and checks one payload. Never throws for bad input: it lands in rejected.
DecodedPayload decode_payload(std::string_view payload, const ReadingRules& rules, TimestampMs now);

// A stable key for a message without an id: a 128-bit hash of topic and payload, as hex.
std::string content_key(std::string_view topic, std::string_view payload);

// Formats readings as payloads (what MqttPublisher sends). JSON: one object for one reading,
// {"id":..,"readings":[..]} for several; CSV: "#id=.." then one line per reading.
std::string readings_to_json(const std::string& msg_id, const std::vector<SensorReading>& readings);
std::string readings_to_csv(const std::string& msg_id, const std::vector<SensorReading>& readings);

}  // namespace xinzhi::acquire
