// MQTT messages already committed. QoS 1 redelivers a message whose PUBACK was lost (ingester
// killed after its commit, broker restarted), so the ingester records each message id in the
// same transaction as its readings and skips ids it has seen.
#pragma once

#include <cstdint>
#include <string>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

class MqttSeen {
 public:
  explicit MqttSeen(Database& db);
  // Records msg_id; false when it was already there (a redelivered copy).
  bool mark(const std::string& msg_id, const std::string& topic, TimestampMs now);
  // Forgets ids committed before `before`; returns how many.
  std::int64_t forget_before(TimestampMs before);

 private:
  Database& db_;
  Statement insert_;
};

}  // namespace xinzhi::store
