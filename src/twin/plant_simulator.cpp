#include "twin/plant_simulator.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "twin/failure_modes.hpp"
#include "twin/gateway_stream.hpp"
#include "twin/machine_timeline.hpp"
#include "twin/output_file.hpp"
#include "twin/production_orders.hpp"
#include "twin/sensor_model.hpp"
#include "twin/text_records.hpp"
#include "twin/twin_layout.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/progress.hpp"

namespace xinzhi::twin {

namespace fs = std::filesystem;

namespace {

constexpr TimestampMs kDay = 86'400'000;

std::string path_in(const fs::path& dir, std::string_view name) { return (dir / name).string(); }

void write_truth_tables(const PlantConfig& plant, const std::vector<MachineTimeline>& timelines, const fs::path& dir) {
  OutputFile failures(path_in(dir, layout::kTruthFailures));
  OutputFile maintenance(path_in(dir, layout::kCalendarMaintenance));
  std::string& f = failures.buf();
  f.append(layout::kTruthFailuresHeader);
  f += '\n';
  std::string& m = maintenance.buf();
  m.append(layout::kCalendarHeader);
  m += '\n';
  for (const auto& tl : timelines) {
    for (const Failure& x : tl.failures) {
      if (x.end <= plant.start) continue;  // over in the warm-up: before the data
      f += plant.machines[x.machine].id;
      f += ',';
      append_ts(f, x.start);
      f += ',';
      append_ts(f, x.end);
      f += ',';
      f += kFailureModes[x.mode].name;
      f += ',';
      f += kFailureModes[x.mode].component_en;
      f += '\n';
    }
    for (const MaintenanceWindow& w : tl.maintenance) {
      m += plant.machines[w.machine].id;
      m += ',';
      append_ts(m, w.start);
      m += ',';
      append_ts(m, w.end);
      m += ',';
      m += w.kind;
      m += '\n';
    }
  }
  failures.close();
  maintenance.close();
}

// The asset register a plant keeps: machines with their type and gateway, sensors with the unit
// they should report in and their sample interval.
void write_assets(const PlantConfig& plant, const fs::path& dir) {
  OutputFile machines(path_in(dir, layout::kMachinesCsv));
  OutputFile sensors(path_in(dir, layout::kSensorsCsv));
  std::string& m = machines.buf();
  m.append(layout::kMachinesHeader);
  m += '\n';
  std::string& s = sensors.buf();
  s.append(layout::kSensorsHeader);
  s += '\n';
  for (const auto& machine : plant.machines) {
    const auto& type = plant.types.at(machine.type);
    m += fmt::format("{},{},{}\n", machine.id, type.name, plant.gateways.at(machine.gateway).id);
    for (const auto& sensor : type.sensors)
      s += fmt::format("{},{},{},{}\n", machine.id, sensor_name(sensor.kind), kSensorUnits[static_cast<int>(sensor.kind)],
                       sensor.rate_s);
  }
  machines.close();
  sensors.close();
}

void write_defects(const PlantConfig& plant, std::vector<DefectRow>& rows, const fs::path& dir) {
  std::stable_sort(rows.begin(), rows.end(), [](const DefectRow& a, const DefectRow& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    if (a.gateway != b.gateway) return a.gateway < b.gateway;
    if (a.machine != b.machine) return a.machine < b.machine;
    if (a.sensor != b.sensor) return a.sensor < b.sensor;
    return a.kind < b.kind;
  });
  OutputFile file(path_in(dir, layout::kTruthDefects));
  std::string& out = file.buf();
  out.append(layout::kTruthDefectsHeader);
  out += '\n';
  for (const DefectRow& d : rows) {
    out += defect_kind_name(d.kind);
    out += ',';
    out += plant.gateways[d.gateway].id;
    out += ',';
    if (d.machine >= 0) out += plant.machines[d.machine].id;
    out += ',';
    if (d.sensor >= 0) out += kSensorNames[d.sensor];
    out += ',';
    append_ts(out, d.ts);
    out += ',';
    append_csv_field(out, d.detail);
    out += '\n';
    file.maybe_flush();
  }
  file.close();
}

std::uint64_t folder_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

std::string plant_json(const PlantConfig& plant, const SimulationSummary& s,
                       const std::vector<std::unique_ptr<GatewayStream>>& gateways) {
  nlohmann::ordered_json j;
  j["name"] = plant.name;
  j["seed"] = plant.seed;
  j["start"] = format_iso8601(plant.start);
  j["end"] = format_iso8601(plant.end());
  j["days"] = plant.days;
  j["source"] = plant.source;
  nlohmann::ordered_json machines = nlohmann::ordered_json::array();
  for (const Machine& m : plant.machines) {
    const MachineType& t = plant.types[m.type];
    nlohmann::ordered_json sensors = nlohmann::ordered_json::array();
    for (const SensorSpec& sp : t.sensors)
      sensors.push_back({{"name", kSensorNames[static_cast<int>(sp.kind)]},
                         {"unit", kSensorUnits[static_cast<int>(sp.kind)]},
                         {"rate_s", sp.rate_s}});
    machines.push_back({{"id", m.id}, {"type", t.name}, {"gateway", plant.gateways[m.gateway].id}, {"sensors", sensors}});
  }
  j["machines"] = std::move(machines);
  nlohmann::ordered_json gws = nlohmann::ordered_json::array();
  for (std::size_t g = 0; g < plant.gateways.size(); ++g) {
    const Gateway& gw = plant.gateways[g];
    nlohmann::ordered_json ms = nlohmann::ordered_json::array();
    for (const Machine& m : plant.machines)
      if (m.gateway == static_cast<int>(g)) ms.push_back(m.id);
    const std::string file = std::string(layout::kLandingDir) + "/" + gw.id +
                             std::string(gw.format == "csv" ? layout::kLandingCsvExt : layout::kLandingJsonlExt);
    gws.push_back({{"id", gw.id},
                   {"format", gw.format},
                   {"file", file},
                   {"machines", ms},
                   {"temperature_unit", gw.fahrenheit ? "degF" : "degC"},
                   {"clock_skew_ms", static_cast<std::int64_t>(std::llround(gw.clock_skew_s * 1000))},
                   {"truncate_last_line", gw.truncate_last_line},
                   {"received", gw.received},
                   {"rows", gateways[g]->rows()},
                   {"defect_rates",
                    {{"missing", gw.defects.missing},
                     {"duplicate", gw.defects.duplicate},
                     {"out_of_order", gw.defects.out_of_order},
                     {"spike", gw.defects.spike},
                     {"stuck_per_day", gw.defects.stuck_per_day},
                     {"gaps_per_day", gw.defects.gaps_per_day}}}});
  }
  j["gateways"] = std::move(gws);
  nlohmann::ordered_json defects;
  for (int k = 0; k < kDefectKindCount; ++k) defects[std::string(layout::kDefectKinds[k])] = s.defects[k];
  j["counts"] = {{"readings", s.readings},      {"landing_rows", s.landing_rows},
                 {"failures", s.failures},      {"maintenance_windows", s.maintenance_windows},
                 {"records", s.records},        {"orders", s.orders},
                 {"defects", defects}};
  j["truth_notes"] = {
      {"ts", "truth files use true UTC; landing timestamps include each gateway's clock_skew_ms"},
      {"received", "landing rows of a gateway with received=true carry the collector's arrival time in true UTC"},
      {"gap", "one row per outage of one machine: ts = first dropped sample, detail end=<last dropped sample>;rows=<n>"},
      {"stuck", "one row per frozen run of 7 readings or more that reported a false value: ts = first frozen sample, detail "
                "end=<last>;samples=<n>;value=<reported>"},
      {"out_of_order", "one row per late row: detail after=<true ts of the row it follows>"},
      {"duplicate", "one row per extra copy"},
      {"spike", "detail true=<clean value degC>;reported=<value as written>"},
      {"unit_fahrenheit", "one row per machine on a gateway reporting temperature in degF (F = C*1.8+32)"},
      {"clock_skew", "one row per gateway with a skew: detail offset_ms=<landing minus true>"},
      {"truncated_line", "the last line of the gateway's file is cut: the sample that was cut, detail kept_bytes=<n>"}};
  return j.dump(2) + "\n";
}

// Moves the finished temporary folder to `out`.
void publish(const fs::path& tmp, const fs::path& out, bool force) {
  std::error_code ec;
  if (fs::exists(out, ec)) {
    if (!fs::is_directory(out, ec)) throw UsageError(out.string() + " exists and is not a folder");
    if (fs::is_empty(out, ec)) {
      fs::remove(out, ec);
    } else {
      if (!force) throw UsageError(out.string() + " is not empty (use --force to replace it)");
      const fs::path old = out.string() + ".old-" + std::to_string(::getpid());
      fs::rename(out, old);
      fs::rename(tmp, out);
      fs::remove_all(old, ec);
      fsync_dir(out.parent_path().string());
      return;
    }
  }
  fs::rename(tmp, out);
  fsync_dir(out.parent_path().empty() ? "." : out.parent_path().string());
}

}  // namespace

SimulationSummary simulate_plant(const PlantConfig& plant, const std::string& out_arg, bool force) {
  const auto t0 = std::chrono::steady_clock::now();
  fs::path out(out_arg);
  while (!out.empty() && !out.has_filename()) out = out.parent_path();  // "dir/" -> "dir"
  if (out.empty()) throw UsageError("--out needs a folder name");
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) throw UsageError(out.string() + " exists and is not a folder");
  if (fs::exists(out, ec) && !fs::is_empty(out, ec) && !force)
    throw UsageError(out.string() + " is not empty (use --force to replace it)");
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path(), ec);

  const fs::path tmp = out.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  for (auto sub : {layout::kLandingDir, layout::kTruthDir, layout::kRecordsDir, layout::kCalendarDir, layout::kAssetsDir}) {
    fs::create_directories(tmp / sub, ec);
    if (ec) throw InputError(out.string(), "cannot create folder: " + ec.message());
  }
  struct Cleanup {  // a failed run leaves nothing behind
    fs::path dir;
    bool armed = true;
    ~Cleanup() {
      std::error_code e;
      if (armed) fs::remove_all(dir, e);
    }
  } cleanup{tmp};

  SimulationSummary s;
  const int n = static_cast<int>(plant.machines.size());
  // With a warm-up the machines run from warmup_days before the start; the days written begin there.
  PlantConfig run = plant;
  run.start -= static_cast<TimestampMs>(plant.warmup_days) * kDay;
  run.days += plant.warmup_days;
  const auto shifts = shift_intervals(run);
  std::vector<MachineTimeline> timelines;
  for (int m = 0; m < n; ++m) timelines.push_back(from_time(simulate_machine(run, m, shifts), plant.start));
  for (const auto& tl : timelines) {
    for (const auto& f : tl.failures) s.failures += f.end > plant.start;
    for (const auto& w : tl.maintenance) s.maintenance_windows += w.start >= plant.start;
  }
  write_truth_tables(plant, timelines, tmp);
  write_assets(plant, tmp);

  std::vector<SensorSeries> series;
  std::uint64_t expected = 0;
  for (int m = 0; m < n; ++m)
    for (const SensorSpec& spec : plant.types[plant.machines[m].type].sensors) {
      series.emplace_back(plant, m, spec, timelines[m]);
      expected += static_cast<std::uint64_t>(plant.days) * 86400 / static_cast<std::uint64_t>(spec.rate_s);
    }

  std::vector<DefectRow> defects;
  std::vector<std::unique_ptr<GatewayStream>> gateways;
  for (int g = 0; g < static_cast<int>(plant.gateways.size()); ++g) {
    const Gateway& gw = plant.gateways[g];
    const std::string name =
        gw.id + std::string(gw.format == "csv" ? layout::kLandingCsvExt : layout::kLandingJsonlExt);
    gateways.push_back(std::make_unique<GatewayStream>(plant, g, (tmp / layout::kLandingDir / name).string(), defects));
  }
  OutputFile signals(path_in(tmp, layout::kTruthSignals));
  signals.buf().append(layout::kTruthSignalsHeader);
  signals.buf() += '\n';

  // One day at a time: every series' samples of the day, merged in time order, go to the
  // truth file and to their machine's gateway.
  Progress progress("simulate", expected, "readings");
  std::vector<Sample> day;
  for (TimestampMs chunk = plant.start; chunk < plant.end(); chunk += kDay) {
    day.clear();
    for (auto& sr : series) sr.generate_until(chunk + kDay, day);
    std::sort(day.begin(), day.end(), [](const Sample& a, const Sample& b) {
      if (a.ts != b.ts) return a.ts < b.ts;
      if (a.machine != b.machine) return a.machine < b.machine;
      return a.sensor < b.sensor;
    });
    std::string& out = signals.buf();
    for (const Sample& x : day) {
      append_ts(out, x.ts);
      out += ',';
      out += plant.machines[x.machine].id;
      out += ',';
      out += kSensorNames[x.sensor];
      out += ',';
      append_fixed(out, x.value, kSensorDecimals[x.sensor]);
      out += '\n';
      signals.maybe_flush();
      gateways[plant.machines[x.machine].gateway]->write(x);
    }
    s.readings += day.size();
    progress.advance(day.size());
  }
  progress.finish();
  signals.close();
  for (auto& g : gateways) {
    g->finish();
    s.landing_rows += g->rows();
    for (int k = 0; k < kDefectKindCount; ++k) s.defects[k] += g->defect_counts()[k];
  }
  write_defects(plant, defects, tmp);

  const auto records = generate_records(plant, timelines);
  write_records(plant, records, tmp.string());
  s.records = records.size();
  const auto orders = generate_orders(plant);
  write_orders(plant, orders, tmp.string());
  s.orders = orders.size();

  // plant.json last: a folder with plant.json is complete.
  write_file_atomic(path_in(tmp, layout::kPlantJson), plant_json(plant, s, gateways));
  for (auto sub : {layout::kLandingDir, layout::kTruthDir, layout::kRecordsDir, layout::kCalendarDir, layout::kAssetsDir})
    fsync_dir((tmp / sub).string());
  fsync_dir(tmp.string());
  s.bytes = folder_bytes(tmp);
  publish(tmp, out, force);
  cleanup.armed = false;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace xinzhi::twin
