// The true signal of one sensor on one machine: sample times on the sensor's own rate (with a
// fixed phase and a little jitter) and values driven by the machine's mode, spindle speed, the
// ambient climate and wear (which raises vibration and temperature before a failure).
#pragma once

#include <cstdint>
#include <vector>

#include "twin/machine_timeline.hpp"
#include "twin/plant_config.hpp"
#include "twin/twin_random.hpp"

namespace xinzhi::twin {

struct Sample {
  TimestampMs ts;
  std::uint16_t machine;
  std::uint8_t sensor;  // SensorKind
  double value;         // rounded to the sensor's decimals
};

class SensorSeries {
 public:
  SensorSeries(const PlantConfig& plant, int machine, SensorSpec spec, const MachineTimeline& timeline);
  // Appends the samples with ts < until (continuing from the previous call).
  void generate_until(TimestampMs until, std::vector<Sample>& out);
  SensorKind kind() const { return spec_.kind; }
  int machine() const { return machine_; }

 private:
  double value_at(TimestampMs t, const Segment& seg);

  const MachineType& type_;
  const MachineTimeline& timeline_;
  int machine_;
  SensorSpec spec_;
  Rng rng_;
  TimestampMs start_, end_, phase_, rate_ms_;
  std::uint64_t jitter_key_;
  std::int64_t k_ = 0;  // next sample index
  std::size_t seg_ = 0;
  TimestampMs last_t_;
  double lag_ = 0;  // first-order lag state (temperature) / slow noise (humidity)
  double ambient_offset_, humidity_offset_, pressure_scale_, vibration_scale_;
  double scale_;  // 10^decimals
};

// Rounds to the decimals the sensor is written with.
double round_to(double v, int decimals);

}  // namespace xinzhi::twin
