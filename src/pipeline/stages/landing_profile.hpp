// What arrived in the warehouse: volumes per sensor and series, and the defects that show in raw
// readings before any judgement (values reported missing, repeated and late rows, gaps in the
// sampling), counted with the clean stage's own steps (src/clean), not a second detector.
// Stuck sensors, spikes and wrong units need the cleaning's judgement: the clean stage reports
// them, scored against the twin's truth when there is one.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "store/warehouse.hpp"

namespace xinzhi::pipeline {

struct SensorProfile {
  std::int64_t readings = 0, series = 0;
  double min = 0, max = 0, mean = 0;
};

struct LandingProfile {
  std::int64_t readings = 0, series = 0, machines = 0;
  std::map<std::string, SensorProfile> sensors;
  std::map<std::string, std::int64_t> found;   // missing, duplicate, out_of_order, gap -> rows
  std::map<std::string, std::string> method;   // how each was counted
  nlohmann::json to_json() const;
  std::string to_html() const;
};

LandingProfile profile_landing(store::Warehouse& wh);

}  // namespace xinzhi::pipeline
