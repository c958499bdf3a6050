// Maintenance and inspection logs as technicians write them after machine events (failures,
// repairs, planned maintenance, inspections), in English and Chinese, each with a fault
// category and entity spans. Built from templates x synonyms x numbers x machine names; the
// test split uses templates that the train and dev splits never see.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "twin/machine_timeline.hpp"
#include "twin/plant_config.hpp"

namespace xinzhi::twin {

struct EntitySpan {
  int start, end;    // Unicode code point offsets into the text, [start, end)
  std::string type;  // EQUIPMENT, COMPONENT, FAULT, MEASUREMENT, ACTION
};

struct TextRecord {
  std::string id;  // R000001
  TimestampMs ts = 0;
  int machine = 0;
  std::string lang;   // en | zh
  std::string split;  // train | dev | test
  std::string kind;   // fault | repair | maintenance | inspection
  std::string template_id;  // e.g. "en-fault-2"
  std::string text;
  std::string label;  // fault category (kFailureModes name) or "normal"
  std::optional<double> value;  // the measured number the text quotes
  std::vector<EntitySpan> entities;
};

std::vector<TextRecord> generate_records(const PlantConfig& plant, const std::vector<MachineTimeline>& timelines);

// records/maintenance.jsonl and records/<split>.<lang>.bio under `dir` (the run folder).
void write_records(const PlantConfig& plant, const std::vector<TextRecord>& records, const std::string& dir);

}  // namespace xinzhi::twin
