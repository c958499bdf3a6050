#include "pipeline/report.hpp"

#include <fmt/format.h>

#include "core/html.hpp"

namespace xinzhi::pipeline {

namespace {

constexpr const char* kStyle = R"CSS(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#1f3b5c;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}main{padding:8px 32px 40px;max-width:1100px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;margin:18px 0;padding:6px 20px 16px}
h2{font-size:17px;margin:12px 0 8px}h3{font-size:14px;margin:14px 0 6px;color:#3d4b5c}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:4px 10px;border-bottom:1px solid #e6e9ee;text-align:left}
th{background:#f0f3f7}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2f7d4a;font-weight:600}.failed{color:#b3261e;font-weight:600}.skipped{color:#8a6d1d}
svg.chart{display:block;margin:8px 0;font-size:11px}svg .title{font-size:13px;font-weight:600}
svg .plot{fill:#fbfcfd;stroke:#d5dbe2}svg .tick{fill:#5a6675}svg .legend{font-size:12px}
.error{background:#fdecea;border-left:4px solid #b3261e;padding:8px 12px;white-space:pre-wrap;font-family:monospace}
.note{color:#5a6675}
)CSS";

}  // namespace

std::string render_report(const RunRecord& run) {
  std::string out = fmt::format(
      "<!doctype html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
      "<title>xinzhi run: {}</title><style>{}</style></head><body>\n",
      html::escape(run.pipeline), kStyle);
  out += fmt::format("<header><h1>{} <span class=\"{}\" style=\"color:inherit\">({})</span></h1><p>run folder {} · "
                     "started {} · {:.1f} s</p></header><main>\n",
                     html::escape(run.pipeline), run.status, html::escape(run.status), html::escape(run.run_dir),
                     html::escape(run.started), run.seconds);

  std::vector<std::vector<std::string>> rows;
  std::vector<html::Bar> bars;
  for (const auto& s : run.stages) {
    rows.push_back({s.name, s.status, fmt::format("{:.2f}", s.seconds), s.error.empty() ? s.summary : s.error});
    bars.push_back({s.name, s.seconds});
  }
  if (!run.dashboard.empty())
    out += fmt::format("<p class=note>The plant as the live dashboard shows it (machines, zoomable sensor charts with "
                       "alarms and downtime, the data-quality heatmap, the schedule's Gantt against FIFO): "
                       "<a href=\"{0}\">{0}</a>, one file beside this report, drawn by the dashboard's own code.</p>\n",
                       html::escape(run.dashboard));
  out += "<section id=overview><h2>Overview</h2>";
  out += html::table({"stage", "status", "#seconds", "summary"}, rows);
  out += html::bar_chart("Stage timings", bars, "s");
  out += "</section>\n";

  for (const auto& s : run.stages) {
    out += fmt::format("<section id=\"stage-{}\"><h2>{}</h2>", html::escape(s.name), html::escape(s.title));
    if (!s.error.empty()) out += "<div class=error>" + html::escape(s.error) + "</div>";
    out += s.html;
    out += "</section>\n";
  }
  out += "<p class=note>Made by xinzhi. Every figure here is also in metrics.json beside this file.</p>";
  return out + "</main></body></html>\n";
}

}  // namespace xinzhi::pipeline
