// The folder layout that `xinzhi simulate` writes: a plant folder (acquire/plant_folder.hpp,
// what ingest loads) plus the twin's own truth/ and plant.json (what scorers read): file names,
// CSV headers and the defect kinds listed in truth/defects.csv.
#pragma once

#include <array>
#include <string_view>

#include "acquire/plant_folder.hpp"

namespace xinzhi::twin::layout {

// Summary of the run: name, seed, start, days, machines (with sensors and rates), gateways,
// counts, and how run-like defects are written in truth/defects.csv. Written last.
inline constexpr std::string_view kPlantJson = acquire::plant_folder::kSummary;

// Raw gateway output: landing/<gateway>.csv (header kLandingCsvHeader, empty value = missing)
// or landing/<gateway>.jsonl ({"ts","machine","sensor","value"}, value null = missing).
// A gateway with `received` (the default) adds the collector's arrival stamp in true UTC: the
// CSV column kLandingCsvReceivedColumn, the JSON key "received" (ts is the gateway's own clock).
inline constexpr std::string_view kLandingDir = acquire::plant_folder::kLanding;
inline constexpr std::string_view kLandingCsvExt = ".csv";
inline constexpr std::string_view kLandingJsonlExt = ".jsonl";
inline constexpr std::string_view kLandingCsvHeader = "ts,machine,sensor,value";
inline constexpr std::string_view kLandingCsvReceivedColumn = ",received";

// Technician logs: records/maintenance.jsonl, one object per line:
//   {"id","ts","machine","lang":"en"|"zh","split":"train"|"dev"|"test","kind":"fault"|"repair"|
//    "maintenance"|"inspection","template":"en-fault-2","text","label":<fault category or "normal">,
//    "value":<number quoted in the text, when there is one>,"entities":[[start,end,"TYPE"],...]}
// with entity offsets in Unicode code points, [start, end). The test split uses only templates
// that train and dev never use ("template" names it). records/<split>.<lang>.bio: one token per
// line "TOKEN TAG" (BIO), a blank line after each record; zh has one character per line.
inline constexpr std::string_view kRecordsDir = acquire::plant_folder::kRecords;
inline constexpr std::string_view kMaintenanceJsonl = "records/maintenance.jsonl";
inline constexpr std::array<std::string_view, 3> kSplits = {"train", "dev", "test"};
inline constexpr std::array<std::string_view, 2> kLanguages = {"en", "zh"};
// records/<split>.<lang>.bio
inline constexpr std::string_view kBioExt = ".bio";
inline constexpr std::array<std::string_view, 5> kEntityTypes = {"EQUIPMENT", "COMPONENT", "FAULT", "MEASUREMENT",
                                                                  "ACTION"};

// Production orders, one JSON object per line.
inline constexpr std::string_view kOrdersJsonl = acquire::plant_folder::kOrders;

// Ground truth for scoring cleaning and models.
inline constexpr std::string_view kTruthDir = acquire::plant_folder::kTruth;
inline constexpr std::string_view kTruthSignals = "truth/signals.csv";  // clean values, true UTC, °C
inline constexpr std::string_view kTruthSignalsHeader = "ts,machine,sensor,value";
inline constexpr std::string_view kTruthDefects = "truth/defects.csv";
inline constexpr std::string_view kTruthDefectsHeader = "kind,gateway,machine,sensor,ts,detail";
inline constexpr std::string_view kTruthFailures = "truth/failures.csv";
inline constexpr std::string_view kTruthFailuresHeader = "machine,start,end,mode,component";
// What the plant itself knows, in the plant folder's parts (acquire/plant_folder.hpp), which
// `xinzhi ingest PLANT` loads: the planned maintenance and the asset register.
inline constexpr std::string_view kCalendarDir = acquire::plant_folder::kCalendar;
inline constexpr std::string_view kCalendarMaintenance = "calendar/maintenance.csv";
inline constexpr std::string_view kCalendarHeader = acquire::plant_folder::kCalendarHeader;
inline constexpr std::string_view kAssetsDir = acquire::plant_folder::kAssets;
inline constexpr std::string_view kMachinesCsv = acquire::plant_folder::kMachinesCsv;
inline constexpr std::string_view kMachinesHeader = acquire::plant_folder::kMachinesHeader;
inline constexpr std::string_view kSensorsCsv = acquire::plant_folder::kSensorsCsv;
inline constexpr std::string_view kSensorsHeader = acquire::plant_folder::kSensorsHeader;

// Defect kinds in truth/defects.csv and how each is written (ts is the TRUE UTC time of the
// sample, i.e. before the gateway's clock skew; detail is `key=value;key=value`):
//   gap             one row per outage of one machine on its gateway: ts = first dropped sample,
//                   sensor empty, detail "end=<ISO, last dropped sample>;rows=<dropped rows>"
//   missing         one row per sample written with an empty value (null in JSON Lines)
//   duplicate       one row per extra copy of a sample (same ts, machine, sensor, value)
//   out_of_order    one row per sample written late: detail "after=<ISO true ts of the row it follows>"
//   stuck           one row per run of a frozen sensor that reported at least one false value
//                   (a speed frozen at 0 while the machine stands still is no defect): ts = first
//                   frozen sample, detail "end=<ISO last frozen sample>;samples=<n>;value=<reported value>"
//   spike           one row per sample replaced by an outlier: detail "true=<v>;reported=<v>"
//   unit_fahrenheit one row per machine on a gateway that reports temperature in °F:
//                   sensor temperature, ts = simulation start, detail "factor=1.8;offset=32"
//   clock_skew      one row per gateway: machine and sensor empty, ts = simulation start,
//                   detail "offset_ms=<landing ts minus true ts>"
//   truncated_line  one row per gateway whose last line is cut: the sample that was cut,
//                   detail "kept_bytes=<n>"
inline constexpr std::array<std::string_view, 9> kDefectKinds = {
    "gap", "missing", "duplicate", "out_of_order", "stuck", "spike", "unit_fahrenheit", "clock_skew", "truncated_line"};

}  // namespace xinzhi::twin::layout
