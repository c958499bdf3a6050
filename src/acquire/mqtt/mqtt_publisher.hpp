// Publishing readings to an MQTT broker at QoS 1 (Eclipse Paho C++), as a plant gateway does:
// topic PREFIX/GATEWAY/readings, each message carrying the id GATEWAY's session/sequence so that
// the ingester can drop copies. Messages stay held until the broker acknowledges them and are
// sent again after a lost connection (we reconnect and resend ourselves), so a broker restart
// loses nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/reading.hpp"

namespace xinzhi::acquire {

enum class PayloadFormat { json, csv };

struct MqttPublisherOptions {
  std::string broker = "tcp://127.0.0.1:1883";
  std::string client_id;        // "" -> xinzhi-pub-<pid>
  std::string topic_prefix = "plant";
  std::string session;          // prefix of message ids; "" -> a fresh one per publisher
  PayloadFormat format = PayloadFormat::json;
  std::size_t window = 2000;    // messages sent but not yet acknowledged
  int connect_timeout_s = 10;
  int give_up_s = 300;          // fail when the broker stays unreachable this long
};

class MqttPublisher {
 public:
  explicit MqttPublisher(MqttPublisherOptions options);  // connects; throws Error when it cannot
  ~MqttPublisher();  // flushes (best effort) and disconnects
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // One reading as one message.
  void publish(const std::string& gateway, const Reading& reading);
  // Several readings as one message.
  void publish(const std::string& gateway, const std::vector<Reading>& readings);
  // Lines of a landing file as they are (the id line is added here), so that bad rows travel
  // to the ingester and are quarantined there. csv_header: the CSV file's header line, sent
  // ahead of the lines so that the ingester reads the columns by name ("" for JSON Lines).
  void publish_lines(const std::string& gateway, const std::vector<std::string>& lines,
                     const std::string& csv_header);
  // A whole JSON document (one reading, a list, or {"readings": [...]}) as one message;
  // readings: how many it holds, for the count.
  void publish_document(const std::string& gateway, const std::string& document, std::size_t readings);
  // Waits until the broker has acknowledged every message published so far.
  void flush();

  std::uint64_t messages() const { return messages_; }
  std::uint64_t readings() const { return readings_; }
  std::uint64_t resends() const { return resends_; }
  std::uint64_t reconnects() const { return reconnects_; }
  std::string topic_for(const std::string& gateway) const;

 private:
  struct Impl;
  void send(const std::string& topic, std::string payload);
  void settle_front();
  void ensure_connected();
  void resend_unacknowledged();
  std::string next_id(const std::string& gateway);

  MqttPublisherOptions opt_;
  std::unique_ptr<Impl> impl_;
  std::map<std::string, std::uint64_t> seq_;
  std::uint64_t messages_ = 0, readings_ = 0, resends_ = 0, reconnects_ = 0;
};

}  // namespace xinzhi::acquire
