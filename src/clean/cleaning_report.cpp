#include "clean/cleaning_report.hpp"

#include <fmt/format.h>

#include "core/html.hpp"

namespace xinzhi::clean {

namespace {

nlohmann::json metrics_json(const QualityMetrics& q) {
  return {{"points", q.count},         {"completeness", q.completeness}, {"consistency", q.consistency},
          {"timeliness", q.timeliness}, {"validity", q.validity},         {"missing_points", q.missing},
          {"special_values", q.special}, {"late_points", q.late},        {"redundant_points", q.redundant},
          {"computed", q.computed}};
}

// A series before (grey) and after (blue) the cleaning, on a UTC time axis; a missing value
// breaks the line.
std::string series_chart(const SeriesReport& sr) {
  auto chart_series = [](std::string name, const std::vector<std::pair<TimestampMs, double>>& sample,
                         std::string colour) {
    html::Series s{std::move(name), {}, {}, std::move(colour)};
    for (const auto& [t, v] : sample) s.x.push_back(static_cast<double>(t)), s.y.push_back(v);
    return s;
  };
  return html::line_chart(fmt::format("{} · {}", sr.machine, sr.sensor),
                          {chart_series("raw", sr.raw_sample, std::string(html::kMuted)),
                           chart_series("clean", sr.clean_sample, html::palette(0))},
                          /*time_axis=*/true, sr.unit, 500, 200);
}

}  // namespace

nlohmann::json CleaningReport::to_json() const {
  nlohmann::json j;
  j["rows_in"] = rows_in;
  j["rows_clean"] = rows_clean;
  j["rows_dropped"] = rows_dropped;
  j["rows_inserted"] = rows_inserted;
  j["values_imputed"] = values_imputed;
  j["values_missing"] = values_missing;
  j["aligned_rows"] = aligned_rows;
  j["seconds"] = seconds;
  j["steps"] = steps;
  // Mean of the series' metrics (series IoTDB could not judge are left out).
  auto mean = [&](bool after) {
    double c = 0, s = 0, t = 0, v = 0;
    int k = 0;
    for (const auto& sr : series) {
      const QualityMetrics& q = after ? sr.after : sr.before;
      if (!q.computed) continue;
      c += q.completeness, s += q.consistency, t += q.timeliness, v += q.validity, ++k;
    }
    if (k == 0) return nlohmann::json(nullptr);
    return nlohmann::json{{"series", k}, {"completeness", c / k}, {"consistency", s / k}, {"timeliness", t / k}, {"validity", v / k}};
  };
  j["quality"] = {{"before", mean(false)}, {"after", mean(true)}};
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& sr : series) {
    const auto& d = sr.defects;
    arr.push_back({{"machine", sr.machine},
                   {"sensor", sr.sensor},
                   {"rows_in", sr.rows_in},
                   {"rows_out", sr.rows_out},
                   {"dropped", sr.dropped},
                   {"inserted", sr.inserted},
                   {"imputed", sr.imputed},
                   {"left_missing", sr.left_missing},
                   {"interval_ms", sr.interval_ms},
                   {"skew_ms", sr.skew_ms},
                   {"before", metrics_json(sr.before)},
                   {"after", metrics_json(sr.after)},
                   {"defects",
                    {{"duplicates", d.duplicates},
                     {"gaps", d.gaps},
                     {"out_of_order", d.out_of_order},
                     {"stuck_runs", d.stuck_runs},
                     {"spikes", d.spikes},
                     {"rate_outliers", d.rate_outliers},
                     {"out_of_range", d.out_of_range},
                     {"unit_errors", d.unit_errors},
                     {"clock_skew", d.clock_skew},
                     {"missing_values", d.missing_values},
                     {"timestamp_collisions", d.timestamp_collisions}}}});
  }
  j["series"] = std::move(arr);
  return j;
}

std::string CleaningReport::html_fragment(std::size_t max_charts) const {
  std::string h = "<section class=\"data-quality\"><h2>Data quality</h2>\n";
  h += fmt::format("<p>{} raw rows &rarr; {} clean rows: {} dropped (each recorded with its reason), {} inserted for "
                   "absent readings, {} values imputed, {} still missing.</p>\n",
                   rows_in, rows_clean, rows_dropped, rows_inserted, values_imputed, values_missing);
  h += "<table><tr><th>step</th><th>rows changed</th></tr>\n";
  for (const auto& [step, count] : steps) h += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", step, count);
  h += "</table>\n<table><tr><th>machine</th><th>sensor</th><th>completeness</th><th>consistency</th>"
       "<th>timeliness</th><th>validity</th><th>duplicates</th><th>gaps</th><th>out of order</th><th>spikes</th>"
       "<th>out of range</th><th>unit errors</th><th>clock skew</th></tr>\n";
  auto pair = [](double a, double b) { return fmt::format("{:.3f} &rarr; {:.3f}", a, b); };
  for (const auto& sr : series) {
    const auto& d = sr.defects;
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        html::escape(sr.machine), html::escape(sr.sensor), pair(sr.before.completeness, sr.after.completeness),
        pair(sr.before.consistency, sr.after.consistency), pair(sr.before.timeliness, sr.after.timeliness),
        pair(sr.before.validity, sr.after.validity), d.duplicates, d.gaps, d.out_of_order, d.spikes + d.rate_outliers,
        d.out_of_range, d.unit_errors, d.clock_skew ? fmt::format("{} ms", sr.skew_ms) : "");
  }
  // Two charts a row in a report card (the run report's main column is about 1040 px wide).
  h += "</table>\n<div class=\"charts\" style=\"display:flex;flex-wrap:wrap;gap:4px 24px\">\n";
  for (std::size_t k = 0; k < series.size() && k < max_charts; ++k) h += series_chart(series[k]) + "\n";
  h += "</div></section>\n";
  return h;
}

}  // namespace xinzhi::clean
