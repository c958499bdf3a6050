#include "store/mqtt_seen_table.hpp"

namespace xinzhi::store {

MqttSeen::MqttSeen(Database& db)
    : db_(db), insert_(db, "INSERT OR IGNORE INTO mqtt_seen(msg_id, topic, received_ms) VALUES (?, ?, ?)") {}

bool MqttSeen::mark(const std::string& msg_id, const std::string& topic, TimestampMs now) {
  insert_.bind(1, msg_id).bind(2, topic).bind(3, now).run();
  return db_.changes() > 0;
}

std::int64_t MqttSeen::forget_before(TimestampMs before) {
  Statement del(db_, "DELETE FROM mqtt_seen WHERE received_ms < ?");
  del.bind(1, before).run();
  return db_.changes();
}

}  // namespace xinzhi::store
