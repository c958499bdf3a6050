// The description of a simulated plant (read from plant YAML): shifts, machine types with their
// sensors and sample rates, machines, gateways with their defects, failure and maintenance
// model, technician logs and production orders. Every field has a default so a short file works.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::twin {

// The six sensor kinds a machine can carry; each has its own physical model in the twin.
enum class SensorKind : std::uint8_t { temperature, humidity, pressure, speed, vibration, power };
inline constexpr int kSensorKinds = 6;
inline constexpr std::array<const char*, kSensorKinds> kSensorNames = {"temperature", "humidity", "pressure",
                                                                       "speed",       "vibration", "power"};
inline constexpr std::array<const char*, kSensorKinds> kSensorUnits = {"degC", "%RH", "kPa", "rpm", "mm/s", "kW"};
// Decimals written for each sensor (the truth and the landing use the same rounding).
inline constexpr std::array<int, kSensorKinds> kSensorDecimals = {2, 1, 1, 0, 3, 2};

struct SensorSpec {
  SensorKind kind;
  int rate_s;  // one sample every rate_s seconds
};

struct MachineType {
  std::string name;
  std::string label_en, label_zh;  // words used in technician logs ("CNC mill", "铣床")
  double power_kw = 15;            // rated power
  double speed_min = 1500, speed_max = 6000;
  std::vector<SensorSpec> sensors;
};

struct Machine {
  std::string id;  // "M01"
  int type = 0;    // index into PlantConfig::types
  int gateway = 0; // index into PlantConfig::gateways
};

// A line of the `machines:` list: `count` machines of one type, optionally on one gateway
// (-1: machines without a gateway are spread over the gateways in contiguous blocks).
struct MachineGroup {
  int type = 0;
  int count = 1;
  int gateway = -1;
};

struct Shift {
  std::string name;
  int start_min = 0, end_min = 0;  // minutes after midnight UTC; end <= start runs past midnight
  std::array<bool, 7> days{};       // Monday .. Sunday
};

// Rates of the defects a gateway injects into what it writes.
struct DefectRates {
  double missing = 0.004;        // per row: value left empty
  double duplicate = 0.003;      // per row: written again a few rows later
  double out_of_order = 0.002;   // per row: held back and written after later rows
  double spike = 0.0005;         // per row: value replaced by an outlier
  double stuck_per_day = 0.08;   // per sensor and day: the sensor freezes for a while
  double gaps_per_day = 0.15;    // per machine and day: the machine's link drops
  double gap_min_minutes = 5, gap_max_minutes = 90;
  double stuck_min_minutes = 20, stuck_max_minutes = 180;
};

struct Gateway {
  std::string id;
  std::string format = "csv";  // "csv" or "jsonl"
  bool fahrenheit = false;     // reports temperature in °F
  double clock_skew_s = 0;     // constant offset added to every timestamp
  bool truncate_last_line = false;
  // The plant's collector (an NTP-synchronised broker or historian, like OPC UA's ServerTimestamp
  // next to the device's SourceTimestamp) stamps each row's arrival in true time: column `received`.
  bool received = true;
  DefectRates defects;
};

struct FailureModel {
  double mtbf_hours = 100;       // mean running hours between wear-out failures (without maintenance)
  double repair_hours = 6;       // mean repair time
  double idle_wear = 0.25;       // wear per idle/setup hour relative to a running hour
  double maintenance_interval_days = 10;
  double maintenance_hours = 4;
  double maintenance_restore = 0.5;  // share of the wear a planned maintenance removes
};

struct RecordsConfig {
  int count = 1500;
  double zh_share = 0.5;
  double dev_share = 0.1;
  double test_share = 0.15;
};

struct OrdersConfig {
  int count = 120;
  int products = 8;
  int min_quantity = 5, max_quantity = 60;
};

struct PlantConfig {
  std::string name = "xinzhi demo plant";
  std::string source = "<defaults>";  // the YAML file it came from
  TimestampMs start = 0;               // midnight UTC of the first day
  int days = 7;
  // The plant ran this many days before the first: machines start as worn and as recently
  // serviced as in a running plant, and the maintenance calendar holds that past (its readings,
  // logs and the truth of failures over before the first day are not written). 0: new machines.
  int warmup_days = 0;
  std::uint64_t seed = 1;
  std::vector<Shift> shifts;
  std::vector<MachineType> types;
  std::vector<MachineGroup> groups;
  std::vector<Machine> machines;  // built from groups by build_machines()
  std::vector<Gateway> gateways;
  FailureModel failures;
  RecordsConfig records;
  OrdersConfig orders;

  TimestampMs end() const { return start + static_cast<TimestampMs>(days) * 86'400'000; }
};

// Reads a plant YAML file; any unknown key, wrong type or bad value is an InputError with
// file:line:col and the key path.
PlantConfig load_plant_config(const std::string& path);
PlantConfig parse_plant_config(const std::string& yaml_text, const std::string& name);

// Command-line overrides. machines: rescales every machine group so that the plant has this
// many machines (each group keeps its type and gateway; ids are renumbered).
struct PlantOverrides {
  std::optional<int> days;
  std::optional<std::uint64_t> seed;
  std::optional<int> machines;
  // No sensor sampled more often than once per this many seconds (a historian's export of a
  // longer period, kept at coarser resolution): each sensor's rate_s is raised to at least it.
  std::optional<int> sample_s;
};
void apply_overrides(PlantConfig& plant, const PlantOverrides& overrides);
// (Re)builds plant.machines from plant.groups: ids M01, M02, ... in group order.
void build_machines(PlantConfig& plant);

const char* sensor_name(SensorKind kind);
std::optional<SensorKind> sensor_from_name(const std::string& name);

}  // namespace xinzhi::twin
