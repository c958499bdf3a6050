// `xinzhi clean`: clean the warehouse's raw readings by a rules file (quality metrics before and
// after, repairs with lineage, imputation, standardisation, alignment), or run the fast CSV
// cleaning workload (`--csv IN --out OUT`) that is benchmarked against pandas.
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "clean/workload.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace xinzhi::cli {

namespace {

struct CleanOptions {
  std::string db, rules, out, csv, wide, html;
  int threads = 2;
  bool stats = false;
};

void run_clean(const CleanOptions& o) {
  if (!o.csv.empty()) {
    if (o.out.empty()) throw UsageError("--csv needs --out FILE for the cleaned CSV");
    clean::WorkloadOptions w;
    w.input = o.csv;
    w.output = o.out;
    w.threads = o.threads;
    const auto s = clean::run_workload(w);
    const std::string line = fmt::format(
        "rows_in {} rows_out {} series {} duplicates {} out_of_range {} interpolated {} left_missing {} "
        "parse {:.3f}s clean {:.3f}s write {:.3f}s total {:.3f}s",
        s.rows_in, s.rows_out, s.series, s.duplicates, s.out_of_range, s.interpolated, s.left_missing, s.parse_s,
        s.clean_s, s.write_s, s.total_s);
    if (o.stats) std::cout << line << "\n";
    else spdlog::info("clean: {}", line);
    return;
  }
  throw UsageError("give --csv IN --out OUT, or --db DB --rules RULES.yaml");
}

}  // namespace

void add_clean_command(CLI::App& app) {
  auto o = std::make_shared<CleanOptions>();
  CLI::App* cmd = app.add_subcommand(
      "clean",
      "Clean raw readings: quality metrics, de-duplication, repair, imputation, standardisation and\n"
      "alignment, with lineage for every value (--db DB --rules RULES.yaml); or run the fast CSV\n"
      "cleaning workload (--csv IN --out OUT)");
  cmd->add_option("--csv", o->csv, "Readings CSV (ts,machine,sensor,value) to clean with the fixed workload");
  cmd->add_option("--out", o->out, "Output: the cleaned CSV (with --csv) or the report JSON (with --db)");
  cmd->add_option("--threads", o->threads, "Worker threads for the CSV workload")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_flag("--stats", o->stats, "Print the workload's counts and timings on stdout");
  cmd->callback([o] { run_clean(*o); });
}

}  // namespace xinzhi::cli
