// `xinzhi ingest DIR --db DB`: load landing CSV / JSON Lines readings into the warehouse.
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "acquire/file_ingest.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace xinzhi::cli {

namespace {

struct IngestCliOptions {
  std::string path, db;
  std::size_t chunk_rows = 250'000;
  bool allow_quarantine = false;
};

void run_ingest(const IngestCliOptions& o) {
  store::Warehouse wh(o.db);
  acquire::IngestOptions options;
  options.chunk_rows = o.chunk_rows;
  const auto r = acquire::ingest_readings(wh, o.path, options);
  std::cout << fmt::format("{:<48} {:>6} {:>12} {:>12} {:>11}\n", "file", "format", "lines", "readings", "quarantined");
  for (const auto& f : r.files) {
    std::string name = f.path.size() > 48 ? "..." + f.path.substr(f.path.size() - 45) : f.path;
    if (f.skipped) std::cout << fmt::format("{:<48} {:>6} {:>38}\n", name, f.format, "already ingested, nothing new");
    else std::cout << fmt::format("{:<48} {:>6} {:>12} {:>12} {:>11}\n", name, f.format, f.lines, f.rows, f.quarantined);
  }
  std::cout << fmt::format("ingested {} readings ({:.1f} MB) in {:.2f} s: {:.0f} readings/s; {} line(s) quarantined; "
                           "warehouse {} now holds {} readings\n",
                           r.rows, r.bytes / 1e6, r.seconds, r.seconds > 0 ? r.rows / r.seconds : 0.0, r.quarantined,
                           o.db, wh.reading_count());
  for (const auto& p : r.problems) std::cerr << "xinzhi: error: " << p << "\n";
  if (!r.problems.empty())
    throw InputError("", fmt::format("{} file(s) could not be ingested (see above); the rest was stored", r.problems.size()));
  if (r.quarantined > 0 && !o.allow_quarantine)
    throw InputError("", fmt::format("{} line(s) quarantined, first {}; see `xinzhi sql {} \"SELECT place, reason FROM "
                                     "quarantine\"` (use --allow-quarantine to exit 0)",
                                     r.quarantined, r.first_quarantine, o.db));
}

}  // namespace

void add_ingest_command(CLI::App& app) {
  auto o = std::make_shared<IngestCliOptions>();
  CLI::App* cmd = app.add_subcommand("ingest",
                                     "Load landing readings (CSV ts,machine,sensor,value or JSON Lines) into the "
                                     "warehouse;\nunusable lines are quarantined with file:line and the reason. "
                                     "Running again adds only what is new.");
  cmd->add_option("path", o->path, "Landing folder (all *.csv and *.jsonl below it) or one file")->required();
  cmd->add_option("--db", o->db, "Warehouse file (created when missing)")->required();
  cmd->add_option("--chunk-rows", o->chunk_rows, "Rows per commit")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--allow-quarantine", o->allow_quarantine, "Exit 0 even when lines were quarantined");
  cmd->callback([o] { run_ingest(*o); });
}

}  // namespace xinzhi::cli
