// A plant folder: what a plant exports (and the twin writes) in one folder, each part of which
// `xinzhi ingest PLANT` loads into its own warehouse table:
//
//   landing/            readings: *.csv (columns by header), *.jsonl, *.json (src/acquire/landing)
//   records/*.jsonl     technicians' and inspectors' records, one JSON object per line:
//                       {"id", "text", "lang", "split": train|dev|test, "ts", "machine", "label",
//                        "value": <number quoted in the text>, "entities": [[start, end, "TYPE"], ...]}
//                       (id, text, lang and split required; entity offsets in code points, [start, end))
//   orders.jsonl        production orders, one per line: {"order_id", "product", "quantity", "release",
//                       "due", "weight", "operations": [[{"machine", "minutes"}, ...], ...]} (each
//                       operation lists the machines that can do it)
//   calendar/*.csv      planned downtime: machine,start,end,kind (ISO-8601; an empty end: down for good),
//                       stored as downtime windows of kind "planned" (the file's kind as their detail)
//   assets/machines.csv machine,type,gateway            (the asset register)
//   assets/sensors.csv  machine,sensor,unit,interval_s
//   truth/              a simulated plant's ground truth: never ingested (scorers read it)
//   plant.json          a simulated plant's summary: not ingested
//
// Lines that cannot be used go to the quarantine with file:line and the reason, as readings do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acquire/file_ingest.hpp"

namespace xinzhi::acquire {

namespace plant_folder {
inline constexpr std::string_view kLanding = "landing";
inline constexpr std::string_view kRecords = "records";
inline constexpr std::string_view kOrders = "orders.jsonl";
inline constexpr std::string_view kCalendar = "calendar";
inline constexpr std::string_view kCalendarHeader = "machine,start,end,kind";
inline constexpr std::string_view kAssets = "assets";
inline constexpr std::string_view kMachinesCsv = "assets/machines.csv";
inline constexpr std::string_view kMachinesHeader = "machine,type,gateway";
inline constexpr std::string_view kSensorsCsv = "assets/sensors.csv";
inline constexpr std::string_view kSensorsHeader = "machine,sensor,unit,interval_s";
inline constexpr std::string_view kTruth = "truth";
inline constexpr std::string_view kSummary = "plant.json";
}  // namespace plant_folder

// One part of the folder other than the readings: a file and what it gave.
struct PartIngest {
  std::string part;  // records, orders, calendar, machines, sensors
  std::string path;
  std::int64_t items = 0, quarantined = 0;
  std::string first_quarantine;  // "file:line: reason"
};

struct PlantIngestResult {
  IngestResult readings;
  std::vector<PartIngest> parts;
  std::vector<std::string> left_alone;  // "truth/: ..." messages for what was not ingested
  std::int64_t quarantined() const;
};

// True when path is a folder with a landing/ folder, a records/ folder or an orders.jsonl.
bool is_plant_folder(const std::string& path);

// Ingests every part of a plant folder (readings as ingest_readings does).
PlantIngestResult ingest_plant_folder(store::Warehouse& wh, const std::string& path, const IngestOptions& options);

// The parts alone (each file read whole; loading one again replaces what it gave before).
PartIngest ingest_records(store::Warehouse& wh, const std::string& file);
PartIngest ingest_orders(store::Warehouse& wh, const std::string& file);
PartIngest ingest_calendar(store::Warehouse& wh, const std::string& file);
PartIngest ingest_machines(store::Warehouse& wh, const std::string& file);
PartIngest ingest_sensors(store::Warehouse& wh, const std::string& file);

}  // namespace xinzhi::acquire
