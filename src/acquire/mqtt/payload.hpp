// An MQTT payload as gateways send it, around the readings: an optional first line
// "#id=GATEWAY/SEQ" (the publisher's message id, used to drop redelivered copies), then CSV
// lines (with or without a header), JSON Lines, or one JSON document (a reading, a list, or
// {"id", "readings"}). The readings themselves are read by the one landing grammar
// (src/acquire/landing), so a row gives the same reading or the same reason here as in a file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "acquire/landing/json_readings.hpp"
#include "acquire/landing/reading_rules.hpp"
#include "core/reading.hpp"

namespace xinzhi::acquire {

inline constexpr std::size_t kDefaultMaxPayload = std::size_t{1} << 20;  // bytes

struct DecodedPayload {
  std::string msg_id;  // the publisher's message id ("#id=..." first line or "id" in JSON); may be empty
  std::vector<Reading> readings;
  std::vector<RejectedReading> rejected;  // where: "" for the whole payload, else "line 3" / "reading 2"
};

// Decodes and checks one payload. Never throws for bad input: it lands in rejected. A payload
// over max_payload bytes is rejected whole (its first 4 KiB kept).
DecodedPayload decode_payload(std::string_view payload, const ReadingRules& rules, TimestampMs now,
                              std::size_t max_payload = kDefaultMaxPayload);

// A stable key for a message without an id: a 128-bit hash of topic and payload, as hex.
std::string content_key(std::string_view topic, std::string_view payload);

// Formats readings as payloads (what MqttPublisher sends). JSON: one object for one reading,
// {"id":..,"readings":[..]} for several; CSV: "#id=.." then one line per reading.
std::string readings_to_json(const std::string& msg_id, const std::vector<Reading>& readings);
std::string readings_to_csv(const std::string& msg_id, const std::vector<Reading>& readings);

}  // namespace xinzhi::acquire
