// The MQTT source: subscribes to topic filters with a persistent session at QoS 1 and stores
// every reading in the warehouse. A message is acknowledged (PUBACK) only after the commit
// that holds its readings, its quarantined parts and its id; a redelivered id is skipped, so
// nothing is lost or stored twice when the broker restarts or the ingester is killed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "acquire/mqtt/payload.hpp"

namespace xinzhi::acquire {

struct MqttIngestOptions {
  std::string broker = "tcp://127.0.0.1:1883";
  std::vector<std::string> topics = {"plant/+/readings"};
  std::string db;
  std::string client_id = "xinzhi-ingest";  // fixed: the broker keeps our session under it
  ReadingRules rules = ReadingRules::live();
  std::size_t max_payload = kDefaultMaxPayload;  // bytes; larger payloads are quarantined whole
  int keep_alive_s = 30;
  std::size_t max_batch_messages = 500;     // commit at least this often
  std::uint64_t max_messages = 0;           // stop after this many new messages (0: never)
  double idle_exit_s = 0;                   // stop after this long without a message (0: never)
  bool durable = true;                      // fsync each commit (synchronous=FULL) before acknowledging
  int max_backoff_ms = 10000;
  // Message ids older than this are forgotten (mqtt_seen pruned at each connect and hourly): a
  // QoS 1 redelivery comes within the session, minutes later, not days. 0: keep every id.
  double seen_retention_days = 7;
};

struct MqttIngestStats {
  std::uint64_t messages = 0;     // new messages committed
  std::uint64_t duplicates = 0;   // redelivered messages already committed before
  std::uint64_t readings = 0;
  std::uint64_t quarantined = 0;  // quarantine rows written
  std::uint64_t commits = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t seen_pruned = 0;  // message ids forgotten after seen_retention_days
};

class MqttIngester {
 public:
  explicit MqttIngester(MqttIngestOptions options);
  // Runs until stop() (or SIGTERM/SIGINT via the flag given), max_messages or idle_exit.
  MqttIngestStats run(const std::atomic<bool>* stop_flag = nullptr);
  void stop() { stop_ = true; }

 private:
  MqttIngestOptions opt_;
  std::atomic<bool> stop_{false};
};

}  // namespace xinzhi::acquire
