// Helpers for the twin tests: a small plant with frequent defects and failures, running the
// simulation into a temporary folder, and reading the landing and truth files back.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "twin/plant_config.hpp"
#include "twin/plant_simulator.hpp"
#include "core/time.hpp"
#include "support/test_support.hpp"

namespace xinzhi::testing::plants {

// 4 machines, 3 days, two gateways (CSV; JSON Lines in °F with a clock skew and a cut last
// line), defect rates high enough that every kind occurs, and fast wear.
inline std::string small_plant_yaml(int days = 3) {
  return "name: test plant\n"
         "start: 2026-03-02\n"
         "days: " + std::to_string(days) + "\n"
         "seed: 5\n"
         "shifts:\n"
         "  - {name: day, start: \"06:00\", end: \"22:00\", days: [mon, tue, wed, thu, fri, sat, sun]}\n"
         "machine_types:\n"
         "  mill:\n"
         "    label: {en: mill, zh: 铣床}\n"
         "    power_kw: 20\n"
         "    speed_rpm: [2000, 6000]\n"
         "    sensors: {temperature: 60, humidity: 300, pressure: 60, speed: 30, vibration: 30, power: 60}\n"
         "gateways:\n"
         "  - id: gw-a\n"
         "    format: csv\n"
         "  - id: gw-b\n"
         "    format: jsonl\n"
         "    fahrenheit: true\n"
         "    clock_skew_s: -3.5\n"
         "    truncate_last_line: true\n"
         "defects: {missing: 0.01, duplicate: 0.01, out_of_order: 0.01, spike: 0.002, stuck_per_day: 0.5,\n"
         "          gaps_per_day: 1.0, gap_minutes: [5, 30], stuck_minutes: [20, 60]}\n"
         "machines:\n"
         "  - {type: mill, count: 2, gateway: gw-a}\n"
         "  - {type: mill, count: 2, gateway: gw-b}\n"
         "failures: {mtbf_hours: 15, repair_hours: 3}\n"
         "maintenance: {interval_days: 2, hours: 2}\n"
         "records: {count: 400}\n"
         "orders: {count: 30, products: 4}\n";
}

struct Row {
  TimestampMs ts;
  std::string machine, sensor;
  std::optional<double> value;
  std::string line;  // as written (without the line break)
};

// Splits a file into lines; `complete` is false when the last line has no line break.
std::vector<std::string> lines_of(const std::string& text, bool* last_complete = nullptr);
std::vector<std::string> split_csv(const std::string& line);
// Rows of a landing (CSV or JSON Lines) or truth/signals.csv file; the cut last line is skipped.
std::vector<Row> read_rows(const std::string& path);
// truth/defects.csv as maps of column -> value.
std::vector<std::map<std::string, std::string>> read_csv_maps(const std::string& path);
// "key=value;key=value" -> map
std::map<std::string, std::string> parse_detail(const std::string& detail);

}  // namespace xinzhi::testing::plants
