// One sensor reading as xinzhi carries it from a source to the warehouse: when (the device's
// clock), which machine and sensor, the value (or that the device reported it missing), and
// when the plant's collector received it, where the source says so. Every source (landing
// files, MQTT, Modbus, the twin) produces this type and the warehouse stores it.
#pragma once

#include <optional>
#include <string>

#include "core/time.hpp"

namespace xinzhi {

struct Reading {
  TimestampMs ts = 0;
  std::string machine, sensor;
  std::optional<double> value;           // nullopt: the device reported the value as missing
  // The collector's arrival stamp (its own, synchronised clock), when the source carries one:
  // ts is the device's clock, and the two together show a device clock that is off.
  std::optional<TimestampMs> received;

  bool operator==(const Reading&) const = default;
};

}  // namespace xinzhi
