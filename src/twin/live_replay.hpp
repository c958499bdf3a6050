// Live publishing of a simulated plant: the gateways' landing rows (defects and all) are sent
// to an MQTT broker in time order, paced by their timestamps divided by a speed-up factor, so
// a subscriber sees what it would see from the real gateways, only faster.
#pragma once

#include <cstdint>
#include <string>

#include "acquire/mqtt/mqtt_publisher.hpp"

namespace xinzhi::twin {

struct ReplayOptions {
  acquire::MqttPublisherOptions mqtt;
  double speedup = 3600;        // simulated seconds per wall-clock second; 0 = as fast as possible
  double batch_ms = 100;        // rows of a gateway within this much wall time travel as one message
};

struct ReplaySummary {
  std::uint64_t rows = 0, messages = 0, resends = 0, reconnects = 0;
  double seconds = 0;
};

// Publishes every landing file of a `xinzhi simulate` folder (landing/<gateway>.csv|jsonl) to
// PREFIX/<gateway>/readings and waits until the broker has acknowledged all of it.
ReplaySummary replay_landing(const std::string& twin_dir, const ReplayOptions& options);

}  // namespace xinzhi::twin
