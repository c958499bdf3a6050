// A minimal MQTT 3.1.1 client connection for the ingester: connect with a persistent session,
// subscribe at QoS 1, read PUBLISH packets, and send each PUBACK when the caller says so.
// We speak the protocol ourselves here because Paho acknowledges a QoS 1 message before the
// application sees it, and the ingester must acknowledge only after the warehouse commit.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xinzhi::acquire {

// tcp://host:port or mqtt://host:port (port 1883 when left out).
struct BrokerAddress {
  std::string host;
  int port = 1883;
  std::string url() const;
};
BrokerAddress parse_broker_url(const std::string& url);  // throws UsageError when malformed

// The connection is gone (closed, reset, protocol error, timeout): reconnect.
class ConnectionLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MqttMessage {
  std::string topic;
  std::string payload;             // at most max_payload + 1 bytes kept when oversize
  std::size_t payload_size = 0;    // the size on the wire
  std::uint16_t packet_id = 0;     // 0 for QoS 0
  int qos = 0;
  bool dup = false;
};

class MqttConnection {
 public:
  MqttConnection() = default;
  ~MqttConnection();
  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  // TCP connect + CONNECT/CONNACK. Returns whether the broker still had our session.
  // Payloads over max_payload bytes are read off the wire but only their first 4 KiB kept.
  bool connect(const BrokerAddress& broker, const std::string& client_id, bool clean_session, int keep_alive_s,
               std::size_t max_payload, int timeout_ms = 5000);
  // SUBSCRIBE at QoS 1 and wait for SUBACK; a refused filter throws ConnectionLost.
  void subscribe(const std::vector<std::string>& filters, int timeout_ms = 5000);
  // The next PUBLISH, waiting up to timeout_ms (0: only what has already arrived). Sends
  // PINGREQ when the link has been quiet.
  std::optional<MqttMessage> next(int timeout_ms);
  // Queues a PUBACK; flush() sends everything queued.
  void puback(std::uint16_t packet_id);
  void flush();
  void disconnect();  // polite DISCONNECT and close
  void close();
  bool is_open() const { return fd_ >= 0; }

 private:
  enum class Got { nothing, publish, other };
  Got read_packet(int timeout_ms, std::uint8_t& type, std::string& body, MqttMessage& msg);
  bool fill(int timeout_ms);
  std::size_t available() const { return rbuf_.size() - rpos_; }
  void read_exact(char* dst, std::size_t n);  // dst null: discard
  void send_all(const std::string& bytes);
  void maybe_ping();

  int fd_ = -1;
  int keep_alive_s_ = 30;
  std::size_t max_payload_ = 1 << 20;
  std::string rbuf_;
  std::size_t rpos_ = 0;
  std::string wbuf_;
  std::vector<MqttMessage> early_;  // PUBLISH packets that came before the SUBACK
  std::chrono::steady_clock::time_point last_sent_, last_received_;
  std::uint16_t next_id_ = 1;
};

}  // namespace xinzhi::acquire
