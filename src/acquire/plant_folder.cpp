#include "acquire/plant_folder.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::acquire {

namespace fs = std::filesystem;

std::int64_t PlantIngestResult::quarantined() const {
  std::int64_t n = readings.quarantined;
  for (const auto& p : parts) n += p.quarantined;
  return n;
}

bool is_plant_folder(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  return fs::is_directory(p, ec) && (fs::is_directory(p / plant_folder::kLanding, ec) ||
                                     fs::is_directory(p / plant_folder::kRecords, ec) ||
                                     fs::exists(p / plant_folder::kOrders, ec));
}

namespace {

std::vector<std::string> files_in(const fs::path& dir, const char* ext) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

PlantIngestResult ingest_plant_folder(store::Warehouse& wh, const std::string& path, const IngestOptions& options) {
  const fs::path root(path);
  PlantIngestResult r;
  std::error_code ec;
  // The register first: the sensors' units and intervals are there when the readings arrive.
  if (fs::exists(root / plant_folder::kMachinesCsv, ec))
    r.parts.push_back(ingest_machines(wh, (root / plant_folder::kMachinesCsv).string()));
  if (fs::exists(root / plant_folder::kSensorsCsv, ec))
    r.parts.push_back(ingest_sensors(wh, (root / plant_folder::kSensorsCsv).string()));
  if (fs::is_directory(root / plant_folder::kLanding, ec))
    r.readings = ingest_readings(wh, (root / plant_folder::kLanding).string(), options);
  for (const auto& f : files_in(root / plant_folder::kRecords, ".jsonl")) r.parts.push_back(ingest_records(wh, f));
  if (fs::exists(root / plant_folder::kOrders, ec)) r.parts.push_back(ingest_orders(wh, (root / plant_folder::kOrders).string()));
  for (const auto& f : files_in(root / plant_folder::kCalendar, ".csv")) r.parts.push_back(ingest_calendar(wh, f));
  if (fs::exists(root / plant_folder::kTruth, ec))
    r.left_alone.push_back(fmt::format("{}/: the twin's ground truth, for scoring (xinzhi clean --truth); not data, "
                                       "not ingested", plant_folder::kTruth));
  if (fs::exists(root / plant_folder::kSummary, ec))
    r.left_alone.push_back(fmt::format("{}: the twin's summary of the simulation; not ingested", plant_folder::kSummary));
  return r;
}

}  // namespace xinzhi::acquire
