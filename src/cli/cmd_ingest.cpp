// `xinzhi ingest PATH --db DB`: load a plant folder (landing readings, records, orders, calendar,
// asset register; see acquire/plant_folder.hpp) or a folder / file of landing readings into the
// warehouse, each part into its table.
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "acquire/plant_folder.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace xinzhi::cli {

namespace {

struct IngestCliOptions {
  std::string path, db;
  std::size_t chunk_rows = 250'000;
  double max_quarantine_percent = 1;
  bool allow_quarantine = false;
  std::vector<std::string> sensors;
  double max_past_days = 0, max_future_s = 0;
};

std::string short_path(const std::string& p, std::size_t width) {
  return p.size() > width ? "..." + p.substr(p.size() - (width - 3)) : p;
}

void run_ingest(const IngestCliOptions& o) {
  store::Warehouse wh(o.db);
  acquire::IngestOptions options;
  options.chunk_rows = o.chunk_rows;
  options.rules.sensors = std::set<std::string>(o.sensors.begin(), o.sensors.end());
  options.rules.max_past_ms = static_cast<std::int64_t>(o.max_past_days * 86400e3);
  options.rules.max_future_ms = static_cast<std::int64_t>(o.max_future_s * 1e3);
  acquire::PlantIngestResult plant;
  const bool folder = acquire::is_plant_folder(o.path);
  if (folder) plant = acquire::ingest_plant_folder(wh, o.path, options);
  else plant.readings = acquire::ingest_readings(wh, o.path, options);
  const auto& r = plant.readings;

  if (!r.files.empty()) {
    std::cout << fmt::format("{:<48} {:>6} {:>12} {:>12} {:>11}\n", "readings file", "format", "lines", "readings",
                             "quarantined");
    for (const auto& f : r.files) {
      const std::string name = short_path(f.path, 48);
      if (f.skipped) std::cout << fmt::format("{:<48} {:>6} {:>38}\n", name, f.format, "already ingested, nothing new");
      else std::cout << fmt::format("{:<48} {:>6} {:>12} {:>12} {:>11}\n", name, f.format, f.lines, f.rows, f.quarantined);
    }
  }
  if (!plant.parts.empty()) {
    std::cout << fmt::format("\n{:<10} {:<48} {:>12} {:>11}\n", "part", "file", "loaded", "quarantined");
    for (const auto& p : plant.parts)
      std::cout << fmt::format("{:<10} {:<48} {:>12} {:>11}\n", p.part, short_path(p.path, 48), p.items, p.quarantined);
  }
  for (const auto& note : plant.left_alone) std::cout << "left alone: " << note << "\n";

  std::string first_quarantine = r.first_quarantine;
  std::int64_t part_items = 0;
  for (const auto& p : plant.parts) {
    part_items += p.items;
    if (first_quarantine.empty()) first_quarantine = p.first_quarantine;
  }
  const std::int64_t quarantined = plant.quarantined();
  const std::int64_t lines = r.rows + part_items + quarantined;
  const double share = lines > 0 ? 100.0 * static_cast<double>(quarantined) / static_cast<double>(lines) : 0.0;
  std::cout << fmt::format("ingested {} readings ({:.1f} MB) in {:.2f} s: {:.0f} readings/s{}; {} line(s) quarantined "
                           "({:.3f}% of {}); warehouse {} now holds {} readings\n",
                           r.rows, r.bytes / 1e6, r.seconds, r.seconds > 0 ? r.rows / r.seconds : 0.0,
                           part_items ? fmt::format(", and {} records, orders, windows and assets", part_items) : "",
                           quarantined, share, lines, o.db, wh.reading_count());
  if (quarantined > 0)
    std::cout << fmt::format("first quarantined: {}; all of them: xinzhi sql {} \"SELECT place, reason FROM quarantine\"\n",
                             first_quarantine, o.db);
  for (const auto& p : r.problems) std::cerr << "xinzhi: error: " << p << "\n";
  if (!r.problems.empty())
    throw InputError("", fmt::format("{} file(s) could not be ingested (see above); the rest was stored", r.problems.size()));
  const double limit = o.allow_quarantine ? 100.0 : o.max_quarantine_percent;
  if (share > limit)
    throw InputError("", fmt::format("{:.3f}% of the lines were quarantined, more than --max-quarantine {}% allows; first {}",
                                     share, limit, first_quarantine));
}

}  // namespace

void add_ingest_command(CLI::App& app) {
  auto o = std::make_shared<IngestCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Load a plant folder (landing/ readings, records/, orders.jsonl, calendar/, assets/; truth/ is left alone)\n"
      "or a folder or file of landing readings (CSV with a header naming ts,machine,sensor,value[,received],\n"
      "JSON Lines, JSON) into the warehouse. Unusable lines are quarantined with file:line and the reason.\n"
      "Running again adds only what is new. Exit 0 while the quarantined share stays within --max-quarantine.");
  cmd->add_option("path", o->path, "Plant folder, landing folder (all *.csv, *.jsonl, *.json below it) or one file")
      ->required();
  cmd->add_option("--db", o->db, "Warehouse file (created when missing)")->required();
  cmd->add_option("--chunk-rows", o->chunk_rows, "Rows per commit")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-quarantine", o->max_quarantine_percent,
                  "Exit 2 when more than this percentage of the lines read was quarantined")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--allow-quarantine", o->allow_quarantine, "Exit 0 however many lines were quarantined (--max-quarantine 100)");
  cmd->add_option("--sensors", o->sensors, "Known sensor names, comma-separated: others are quarantined (default: any name)")
      ->delimiter(',');
  cmd->add_option("--max-past-days", o->max_past_days, "Quarantine readings older than this many days (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-future-s", o->max_future_s,
                  "Quarantine readings more than this many seconds ahead of the clock (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([o] { run_ingest(*o); });
}

}  // namespace xinzhi::cli
