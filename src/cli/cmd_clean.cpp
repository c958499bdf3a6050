// `xinzhi clean`: clean the warehouse's raw readings by a rules file (quality metrics before and
// after, repairs with lineage, imputation, standardisation, alignment).
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "clean/cleaner.hpp"
#include "clean/default_rules.hpp"
#include "clean/rules.hpp"
#include "score/cleaning_score.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "store/assets_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

struct CleanOptions {
  std::string db, rules, out, wide, html, truth;
  std::int64_t truth_tolerance_ms = 1000;
};

void run_clean(const CleanOptions& o) {
  if (o.db.empty()) throw UsageError("give --db DB (and --rules RULES.yaml, or the defaults from the sensors table)");
  // Rules first: a bad rules file is reported before the warehouse is touched.
  clean::Rules rules;
  if (!o.rules.empty()) rules = clean::load_rules(o.rules);
  store::Warehouse wh(o.db, /*create=*/false);
  if (o.rules.empty()) {
    const auto sensors = store::read_sensors(wh.db());
    rules = clean::default_rules(sensors);
    if (sensors.empty())
      std::cout << "rules: the built-in defaults (the warehouse's sensors table is empty: no units or intervals known)\n";
    else
      std::cout << fmt::format("rules: the built-in defaults and, from the sensors table ({} series):\n{}", sensors.size(),
                               clean::describe_default_rules(rules));
  }
  clean::CleaningWork work;  // kept for --truth: scoring then cleans again only the imputation
  const clean::CleaningReport report = clean::run_cleaning(wh, rules, o.truth.empty() ? nullptr : &work);
  nlohmann::json json = report.to_json();
  std::string truth_text;
  if (!o.truth.empty()) {
    const score::TruthScore score = score::score_against_truth(wh, rules, o.truth, o.truth_tolerance_ms, &work);
    json["truth"] = score.to_json();
    truth_text = score.to_text();
  }
  if (!o.out.empty()) write_file_atomic(o.out, json.dump(2) + "\n");
  if (!o.html.empty()) write_file_atomic(o.html, report.html_fragment());
  if (!o.wide.empty()) {
    const Table wide = clean::read_aligned_wide(wh);
    std::string csv;
    for (std::size_t c = 0; c < wide.column_count(); ++c) csv += (c ? "," : "") + wide.column(c).name();
    csv += "\n";
    for (std::size_t r = 0; r < wide.row_count(); ++r) {
      for (std::size_t c = 0; c < wide.column_count(); ++c) csv += (c ? "," : "") + wide.column(c).format(r);
      csv += "\n";
    }
    write_file_atomic(o.wide, csv);
  }
  std::cout << fmt::format("clean: {} raw rows -> {} clean rows; {} dropped (recorded in clean_actions), {} inserted, "
                           "{} imputed, {} still missing; {} aligned rows\n",
                           report.rows_in, report.rows_clean, report.rows_dropped, report.rows_inserted,
                           report.values_imputed, report.values_missing, report.aligned_rows);
  for (const auto& [step, count] : report.steps) std::cout << fmt::format("  {:<20} {}\n", step, count);
  if (!truth_text.empty()) std::cout << "\nagainst " << o.truth << ":\n" << truth_text;
}

}  // namespace

void add_clean_command(CLI::App& app) {
  auto o = std::make_shared<CleanOptions>();
  CLI::App* cmd = app.add_subcommand(
      "clean",
      "Clean raw readings: quality metrics, de-duplication, repair, imputation, standardisation and\n"
      "alignment, with lineage for every value (--db DB [--rules RULES.yaml])");
  cmd->add_option("--db", o->db, "Warehouse file whose readings are cleaned (clean_* tables are replaced)");
  cmd->add_option("--rules", o->rules,
                  "Cleaning rules YAML (see examples/smart-factory/clean.yaml); without it, general defaults and each "
                  "sensor's unit, range and interval from the warehouse's sensors table");
  cmd->add_option("--html", o->html, "With --db: write the data-quality report section (HTML fragment) here");
  cmd->add_option("--wide", o->wide, "With --db: write the aligned wide table (ts, machine, one column per sensor) as CSV");
  cmd->add_option("--truth", o->truth,
                  "With --db: a simulated plant's truth/ folder (defects.csv, signals.csv); prints the precision and "
                  "recall of each defect kind and the imputation MAE per sensor and method");
  cmd->add_option("--truth-tolerance-ms", o->truth_tolerance_ms, "Time tolerance when matching against the truth")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write the report JSON here");
  cmd->callback([o] { run_clean(*o); });
}

}  // namespace xinzhi::cli
