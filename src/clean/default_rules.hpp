// Cleaning rules for a warehouse that comes without a rules file: the settings that work on
// sensor data in general (the ones examples/smart-factory/clean.yaml keeps under `defaults`),
// and, per sensor, what the warehouse's sensors table says of it: its unit (a temperature in
// °C is checked for rows in °F or K), the physical range its unit allows (no negative speed,
// power or pressure; a humidity in %; no temperature below absolute zero), and its sample
// interval where every series of that sensor has the same one.
#pragma once

#include <string>
#include <vector>

#include "clean/rules.hpp"
#include "store/assets_table.hpp"

namespace xinzhi::clean {

Rules default_rules(const std::vector<store::SensorInfo>& sensors);

// One line per sensor saying what default_rules derived, for the command's output.
std::string describe_default_rules(const Rules& rules);

}  // namespace xinzhi::clean
