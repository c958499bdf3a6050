// `xinzhi simulate`: runs the digital twin of a plant and writes the run folder described in
// twin_layout.hpp (landing files per gateway, truth, technician logs, orders, plant.json).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "twin/plant_config.hpp"

namespace xinzhi::twin {

struct SimulationSummary {
  std::uint64_t readings = 0;       // true samples (rows of truth/signals.csv)
  std::uint64_t landing_rows = 0;   // rows the gateways wrote (duplicates included)
  std::uint64_t bytes = 0;          // bytes written in the whole folder
  std::uint64_t failures = 0, maintenance_windows = 0, records = 0, orders = 0;
  std::array<std::uint64_t, 9> defects{};  // by layout::kDefectKinds
  double seconds = 0;
};

// Writes the run folder `out`. It is built in a temporary sibling folder and renamed into
// place when complete, so a crash never leaves a half-written folder under the final name.
// A non-empty `out` is refused (UsageError) unless force is set.
SimulationSummary simulate_plant(const PlantConfig& plant, const std::string& out, bool force);

}  // namespace xinzhi::twin
