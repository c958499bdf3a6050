// What each machine does over the simulated days: operating modes within shifts (setup, run,
// idle), wear that grows with use, wear-out failures with their repairs, and planned
// maintenance windows. The sensors and the technician logs are both driven by this timeline.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "twin/plant_config.hpp"

namespace xinzhi::twin {

enum class Mode : std::uint8_t { off, idle, setup, run, down, maintenance };
const char* mode_name(Mode mode);

struct Segment {
  TimestampMs start = 0, end = 0;  // [start, end)
  Mode mode = Mode::off;
  double wear0 = 0;        // wear at start (0 new, failure near 1)
  double wear_per_ms = 0;  // wear growth while in this segment
  double speed = 0;        // spindle speed set for this segment (rpm)
  int latent = 0;          // the failure mode that this wear cycle is heading for
  double wear_at(TimestampMs t) const { return wear0 + wear_per_ms * static_cast<double>(t - start); }
};

struct Failure {
  int machine = 0;
  TimestampMs start = 0, end = 0;  // breakdown and end of repair
  int mode = 0;                    // index into kFailureModes
};

struct MaintenanceWindow {
  int machine = 0;
  TimestampMs start = 0, end = 0;
  std::string kind;  // "preventive"
};

struct MachineTimeline {
  std::vector<Segment> segments;  // contiguous from plant start to plant end
  std::vector<Failure> failures;
  std::vector<MaintenanceWindow> maintenance;

  // The segment containing t (t clamped into the simulated range).
  const Segment& at(TimestampMs t) const;
};

// Working time of the plant: the shifts unrolled over the simulated days, merged, sorted.
std::vector<std::pair<TimestampMs, TimestampMs>> shift_intervals(const PlantConfig& plant);

// The timeline from `from` on: earlier segments dropped and the one running at `from` cut there
// (with its wear at that time); failures and maintenance kept, as the machine's past.
MachineTimeline from_time(MachineTimeline tl, TimestampMs from);

MachineTimeline simulate_machine(const PlantConfig& plant, int machine,
                                 const std::vector<std::pair<TimestampMs, TimestampMs>>& shifts);

}  // namespace xinzhi::twin
