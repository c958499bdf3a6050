// The plant's machines and sensors as the warehouse knows them: from an asset register where the
// plant has one (the type and gateway of a machine; the unit and nominal sample interval of a
// sensor), and from the readings themselves (which series arrived, how many, over what time,
// and the interval the timestamps show). Ingest fills both; the cleaning takes its defaults
// from the sensors (the interval and unit of each).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct MachineInfo {
  std::string machine, type, gateway;  // type, gateway: "" when no register names them
};

struct SensorInfo {
  std::string machine, sensor;
  std::string unit;                    // "" when unknown
  std::int64_t interval_ms = 0;        // nominal sample interval; 0 when unknown
  std::string interval_source;         // register | readings
  std::int64_t readings = 0;
  std::optional<TimestampMs> first_ts, last_ts;
};

// From an asset register: sets type and gateway (machines) and unit and interval (sensors),
// leaving the counts as they are.
void register_machines(Database& db, const std::vector<MachineInfo>& machines);
void register_sensors(Database& db, const std::vector<SensorInfo>& sensors);

// What a source's readings showed of each series in one commit: counts add up, time ranges
// widen, and the interval (estimated by the caller from the timestamps; 0: too few) is kept
// only where neither a register nor an earlier commit gave one. Call inside the commit's
// transaction, so that the counts move with the readings.
struct SeriesSeen {
  std::string machine, sensor;
  std::int64_t readings = 0;
  TimestampMs first_ts = 0, last_ts = 0;
  std::int64_t interval_ms = 0;
};
void record_series_seen(Database& db, const std::vector<SeriesSeen>& seen);

std::vector<MachineInfo> read_machines(Database& db);
std::vector<SensorInfo> read_sensors(Database& db);

}  // namespace xinzhi::store
