// The twin behind a Modbus device: the true signals of a simulated plant (truth/signals.csv)
// replayed in time, so that `xinzhi modbus serve --twin DIR` answers polls with what the
// plant's sensors read at that moment, in each register's own unit.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "acquire/modbus/register_map.hpp"
#include "core/time.hpp"

namespace xinzhi::twin {

class TwinRegisterSource {
 public:
  // Loads the truth signals of the map's (machine, sensor) pairs; a pair the plant does not
  // have is an InputError naming the register's place in the map.
  TwinRegisterSource(const std::string& twin_dir, const acquire::RegisterMap& map, double speedup);

  // The value of register i, in the register's unit, t wall seconds after serving started
  // (simulated time = plant start + t * speedup, wrapping around at the end of the days).
  double value(std::size_t i, const acquire::RegisterSpec& spec, double t) const;

 private:
  std::vector<std::vector<std::pair<TimestampMs, double>>> series_;  // per register
  TimestampMs start_ = 0, end_ = 0;
  double speedup_;
};

}  // namespace xinzhi::twin
