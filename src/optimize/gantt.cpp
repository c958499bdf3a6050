// SVG and ECharts JSON Gantt charts.
#include "optimize/gantt.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/html.hpp"

namespace xinzhi::optimize {

std::string gantt_svg(const Instance& inst, const Schedule& s, const std::string& title) {
  const int rows = inst.machine_count();
  const double label_w = 90, top = 46, row_h = 26, plot_w = 1100, right = 20, bottom = 40;
  Time horizon = std::max<Time>(s.makespan, 1);
  for (const auto& cal : inst.calendars)
    for (const auto& w : cal)
      if (w.end < kForever && w.start < s.makespan * 11 / 10) horizon = std::max(horizon, w.end);
  const double scale = plot_w / static_cast<double>(horizon);
  const double width = label_w + plot_w + right, height = top + rows * row_h + bottom;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "font-family=\"{}\" font-size=\"11\">\n",
      width, height, width, height, html::kFontFamily);
  out +=
      "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e4e4e4\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#888\" stroke-width=\"2\"/></pattern></defs>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  const std::string heading = title.empty() ? fmt::format("{} — makespan {}", s.instance, s.makespan) : title;
  out += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>\n", label_w, html::escape(heading));
  // Rows and grid.
  const double step = html::nice_step(static_cast<double>(horizon), 12);
  for (double t = 0; t <= static_cast<double>(horizon) + 1e-9; t += step) {
    const double x = label_w + t * scale;
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\"/>\n", x, top, x,
                       top + rows * row_h, html::kGridLine);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n", x,
                       top + rows * row_h + 16, html::kTickInk, t);
  }
  for (int m = 0; m < rows; ++m) {
    const double y = top + m * row_h;
    if (m % 2) out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f7f7f7\"/>\n", label_w, y, plot_w, row_h);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", label_w - 8, y + row_h / 2 + 4,
                       html::escape(inst.machines[m]));
    for (const auto& w : inst.calendars[m]) {
      const double x0 = label_w + static_cast<double>(std::min(w.start, horizon)) * scale;
      const double x1 = label_w + static_cast<double>(std::min(w.end, horizon)) * scale;
      if (x1 <= x0) continue;
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"url(#hatch)\" stroke=\"#777\">"
          "<title>{}: unavailable [{}, {}) {}</title></rect>\n",
          x0, y + 2, x1 - x0, row_h - 4, html::escape(inst.machines[m]), w.start,
          w.end >= kForever ? std::string("∞") : std::to_string(w.end), html::escape(w.kind));
    }
  }
  // Operations.
  for (const auto& o : s.ops) {
    const double x = label_w + static_cast<double>(o.start) * scale, w = static_cast<double>(o.end - o.start) * scale;
    const double y = top + o.machine * row_h;
    const std::string& job = inst.jobs[o.job].name;
    out += fmt::format(
        "<g><rect x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" fill=\"{}\" stroke=\"white\" stroke-width=\"0.6\"/>"
        "<title>{} op {} on {}: {} – {}</title>",
        x, y + 3, w, row_h - 6, html::palette(static_cast<std::size_t>(o.job)), html::escape(job), o.op,
        html::escape(inst.machines[o.machine]), o.start, o.end);
    if (w > 7.0 * static_cast<double>(job.size()) + 4)
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"white\" font-size=\"10\">{}</text>",
                         x + w / 2, y + row_h / 2 + 4, html::escape(job));
    out += "</g>\n";
  }
  const double xm = label_w + static_cast<double>(s.makespan) * scale;
  out += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n", xm,
                     top - 6, xm, top + rows * row_h);
  out += "</svg>\n";
  return out;
}

nlohmann::json gantt_json(const Instance& inst, const Schedule& s) {
  nlohmann::json data = nlohmann::json::array(), windows = nlohmann::json::array(), jobs = nlohmann::json::array();
  for (const auto& j : inst.jobs) jobs.push_back(j.name);
  for (const auto& o : s.ops)
    data.push_back({{"name", inst.jobs[o.job].name},
                    {"value", {o.machine, o.start, o.end, o.job, o.op}},
                    {"itemStyle", {{"color", html::palette(static_cast<std::size_t>(o.job))}}}});
  for (int m = 0; m < inst.machine_count(); ++m)
    for (const auto& w : inst.calendars[m])
      windows.push_back({{"name", w.kind}, {"value", {m, w.start, w.end >= kForever ? nullptr : nlohmann::json(w.end)}}});
  return {{"title", s.instance},
          {"makespan", s.makespan},
          {"machines", inst.machines},
          {"jobs", std::move(jobs)},
          {"dimensions", {"machine", "start", "end", "job", "op"}},
          {"data", std::move(data)},
          {"windows", std::move(windows)}};
}

}  // namespace xinzhi::optimize
