// The cleaning stage: raw readings -> quality metrics -> reorder, de-duplicate, clock skew,
// timestamp repair, unit normalisation, range, stuck, outliers -> gap rows -> imputation ->
// standardisation -> alignment, with every change counted in a CleaningReport (metrics before
// and after per series, per-step change counts) and logged per raw row (lineage).
// run_cleaning() is the entry point of `xinzhi clean --db` and of the pipeline's clean stage.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clean/cleaning_report.hpp"
#include "clean/quality.hpp"
#include "clean/rules.hpp"
#include "clean/series.hpp"
#include "clean/time_repair.hpp"
#include "core/stopwatch.hpp"
#include "core/table.hpp"
#include "store/clean_tables.hpp"

namespace xinzhi::store {
class Warehouse;
}

namespace xinzhi::clean {

// One row of the machine-wide time grid (long form; aligned_wide() pivots it), as stored.
using AlignedRow = store::AlignedRow;

struct CleanResult {
  std::vector<Series> series;                 // clean, sorted by (machine, sensor) then ts
  std::vector<std::vector<double>> value_std;  // per series, standardised values
  ActionLog actions;
  std::vector<AlignedRow> aligned;
  CleaningReport report;
  // Per-window quality before and after, per series (same order as series).
  std::vector<std::vector<WindowQuality>> windows_before, windows_after;
};

// The cleaning up to imputation (steps that do not depend on the imputation method): the series
// repaired and flagged, with gap rows inserted but not yet filled.
struct PreparedClean {
  CleanResult result;  // series, actions, report and windows_before so far
  SteadyTime started;
};
PreparedClean prepare_cleaning(std::vector<Series> raw, const Rules& rules, const SourceRuns& sources = {});
// The rest: imputation (rules' impute methods), standardisation, metrics after, alignment.
// Scoring several imputation methods prepares once and finishes a copy per method.
CleanResult finish_cleaning(PreparedClean prepared, const Rules& rules);

// Cleans series in memory: finish_cleaning(prepare_cleaning(...)). raw: one Series per (machine, sensor), rows in any order, with
// rowids (arrival order) — flags and method may be empty.
// sources: where each rowid came from (read_source_runs); with it, a row is out of order when it
// arrived after a younger row of its source stream, else after a younger row of its series.
CleanResult clean_series_set(std::vector<Series> raw, const Rules& rules, const SourceRuns& sources = {});

// What run_cleaning read and made, kept on request so that scoring the cleaning against a
// twin's truth (src/score) need not read and clean again.
struct CleaningWork {
  std::vector<Series> raw;  // as read
  PreparedClean prepared;   // before imputation
  CleanResult result;       // series and actions (aligned rows, windows and z-scores dropped)
};

// Reads readings from the warehouse, cleans them and replaces the clean_* tables in one
// transaction. keep: where to leave the work for scoring (nullptr: not kept).
CleaningReport run_cleaning(store::Warehouse& warehouse, const Rules& rules, CleaningWork* keep = nullptr);

// The aligned rows as a wide table: ts, machine, then one float64 column per sensor.
Table aligned_wide(const std::vector<AlignedRow>& rows);
// The same, read back from the warehouse's clean_aligned table.
Table read_aligned_wide(store::Warehouse& warehouse);

}  // namespace xinzhi::clean
