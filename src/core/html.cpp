#include "core/html.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/time.hpp"

namespace xinzhi::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view palette(std::size_t i) {
  static constexpr std::string_view kColours[] = {"#3b6fb6", "#d9822b", "#3a9a5b", "#c44e52", "#8172b2",
                                                  "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"};
  return kColours[i % std::size(kColours)];
}

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<bool> numeric;
  std::string out = "<table><thead><tr>";
  for (const auto& h : header) {
    const bool num = !h.empty() && h[0] == '#';
    numeric.push_back(num);
    out += fmt::format("<th{}>{}</th>", num ? " class=num" : "", escape(num ? h.substr(1) : h));
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i)
      out += fmt::format("<td{}>{}</td>", i < numeric.size() && numeric[i] ? " class=num" : "", escape(row[i]));
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

namespace {

std::string number(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  if (a >= 100 || v == std::floor(v)) return fmt::format("{:.0f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string bar_chart(const std::string& title, const std::vector<Bar>& bars, const std::string& unit) {
  const int label_w = 170, bar_w = 420, row_h = 22, top = 26;
  const int height = top + static_cast<int>(bars.size()) * row_h + 8;
  double max = 0;
  for (const auto& b : bars) max = std::max(max, b.value);
  if (max <= 0) max = 1;
  std::string svg = fmt::format(
      R"(<svg class=chart xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">)",
      label_w + bar_w + 110, height, escape(title));
  svg += fmt::format(R"(<text x="0" y="16" class="title">{}</text>)", escape(title));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int y = top + static_cast<int>(i) * row_h;
    const double w = std::max(1.0, bars[i].value / max * bar_w);
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", label_w - 8, y + 15, escape(bars[i].label));
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}"/>)", label_w, y + 3, w, row_h - 6,
                       palette(i));
    svg += fmt::format(R"(<text x="{:.1f}" y="{}">{} {}</text>)", label_w + w + 6, y + 15, number(bars[i].value),
                       escape(unit));
  }
  return svg + "</svg>";
}

std::string line_chart(const std::string& title, const std::vector<Series>& series, bool time_axis,
                       const std::string& y_unit, int width, int height) {
  const int left = 56, right = 12, top = 26, bottom = 34;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (std::isnan(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  std::string svg = fmt::format(
      R"(<svg class=chart xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">)", width,
      height, escape(title));
  svg += fmt::format(R"(<text x="0" y="16" class="title">{}</text>)", escape(title));
  if (!std::isfinite(x0)) return svg + R"(<text x="60" y="60">no data</text></svg>)";
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1, y0 -= 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  const double pw = width - left - right, ph = height - top - bottom;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.0f}" height="{:.0f}" class="plot"/>)", left, top, pw, ph);
  for (int k = 0; k <= 4; ++k) {
    const double yv = y0 + (y1 - y0) * k / 4;
    svg += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" class="tick">{}</text>)", left - 4, py(yv) + 4,
                       number(yv));
    const double xv = x0 + (x1 - x0) * k / 4;
    std::string label = time_axis ? format_iso8601(static_cast<TimestampMs>(xv)).substr(5, 11) : number(xv);
    if (time_axis) label[5] = ' ';
    svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" class="tick">{}</text>)", px(xv),
                       height - bottom + 14, escape(label));
  }
  if (!y_unit.empty())
    svg += fmt::format(R"(<text x="{}" y="{}" class="tick">{}</text>)", 4, top - 4 + 0, escape(y_unit));
  for (std::size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    std::string path;
    bool pen = false;
    // Thin long series to about two points per pixel: the picture is the same, the file small.
    const std::size_t n = std::min(s.x.size(), s.y.size());
    const std::size_t step = std::max<std::size_t>(1, n / static_cast<std::size_t>(pw * 2));
    for (std::size_t i = 0; i < n; i += step) {
      if (std::isnan(s.y[i])) {
        pen = false;
        continue;
      }
      path += fmt::format("{}{:.1f},{:.1f}", pen ? "L" : "M", px(s.x[i]), py(s.y[i]));
      pen = true;
    }
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.2"/>)", path, palette(si));
    svg += fmt::format(R"(<text x="{:.0f}" y="{}" fill="{}" class="legend">{}</text>)",
                       left + 8 + static_cast<double>(si) * 130, height - 4, palette(si), escape(s.name));
  }
  return svg + "</svg>";
}

}  // namespace xinzhi::html
