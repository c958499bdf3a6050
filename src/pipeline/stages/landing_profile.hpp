// What the landing data looks like once ingested: volumes per sensor, and the defects that can
// be seen in raw readings (duplicates, missing values, out-of-order rows, gaps, stuck runs,
// spikes, a Fahrenheit series), set next to the twin's truth when the plant was simulated.
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
  // Defect kind (the twin's names) -> rows found.
  std::map<std::string, std::int64_t> found;
  std::map<std::string, std::string> method;  // how each kind was found
  nlohmann::json to_json() const;
  std::string to_html() const;
};

LandingProfile profile_landing(store::Warehouse& wh);

struct TwinExtras {
  std::int64_t text_records = 0, orders = 0;
};
// Loads records/maintenance.jsonl and orders.jsonl of a simulated plant (idempotent: by id).
TwinExtras load_twin_records(store::Warehouse& wh, const std::string& twin_dir);

struct TruthComparison {
  nlohmann::json metrics;
  std::string html;
};
TruthComparison compare_with_truth(const LandingProfile& profile, store::Warehouse& wh, const std::string& twin_dir);

}  // namespace xinzhi::pipeline
