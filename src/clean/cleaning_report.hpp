// The cleaning report: what the cleaning found and changed, in total, per step and per series
// (quality metrics before and after, defect counts, a thinned copy of each series before and
// after for its chart), as JSON for metrics.json and as the data-quality section of a report.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "clean/quality.hpp"
#include "core/time.hpp"

namespace xinzhi::clean {

struct DefectCounts {
  std::int64_t duplicates = 0, gaps = 0, out_of_order = 0, stuck_runs = 0, spikes = 0, rate_outliers = 0,
               out_of_range = 0, unit_errors = 0, clock_skew = 0, missing_values = 0, timestamp_collisions = 0;
};

struct SeriesReport {
  std::string machine, sensor;
  std::int64_t rows_in = 0, rows_out = 0, dropped = 0, inserted = 0, imputed = 0, left_missing = 0;
  std::int64_t interval_ms = 0, skew_ms = 0;
  std::string unit;  // as a chart's axis writes it ("°C"); "" when the rules name none
  QualityMetrics before, after;
  DefectCounts defects;
  // A thinned copy of the series for charts: (ts, value) before and after.
  std::vector<std::pair<TimestampMs, double>> raw_sample, clean_sample;
};

struct CleaningReport {
  std::int64_t rows_in = 0, rows_clean = 0, rows_dropped = 0, rows_inserted = 0, values_imputed = 0,
               values_missing = 0, aligned_rows = 0;
  std::map<std::string, std::int64_t> steps;  // step -> rows it changed
  std::vector<SeriesReport> series;
  double seconds = 0;

  nlohmann::json to_json() const;  // for metrics.json
  // The data-quality section of a report: metrics before/after and per-series SVG charts.
  std::string html_fragment(std::size_t max_charts = 12) const;
};

}  // namespace xinzhi::clean
