// One sensor reading as it travels through acquisition (MQTT, Modbus): the landing row
// ts,machine,sensor,value with a missing value allowed.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "core/time.hpp"

namespace xinzhi::acquire {

struct SensorReading {
  TimestampMs ts = 0;
  std::string machine;
  std::string sensor;
  std::optional<double> value;  // nullopt: the gateway reported the value as missing
  std::optional<TimestampMs> received;  // the collector's arrival stamp, when the payload carries one
};

// The sensors a plant reports by default; ingest commands take their own list.
const std::set<std::string>& default_sensors();

}  // namespace xinzhi::acquire
