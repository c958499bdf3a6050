#include "core/html.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <utility>

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

std::string palette(std::size_t i) {
  static constexpr std::string_view kColours[] = {"#3b6fb6", "#d9822b", "#3a9a5b", "#c44e52", "#8172b2",
                                                  "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"};
  if (i < std::size(kColours)) return std::string(kColours[i]);
  // Golden-angle hues, alternating lightness so that neighbours differ.
  const double h = std::fmod(static_cast<double>(i) * 137.508, 360.0), sat = 0.62, l = i % 2 ? 0.48 : 0.62;
  const double c = (1 - std::fabs(2 * l - 1)) * sat, x = c * (1 - std::fabs(std::fmod(h / 60.0, 2) - 1)), m = l - c / 2;
  double r = 0, g = 0, b = 0;
  if (h < 60) r = c, g = x;
  else if (h < 120) r = x, g = c;
  else if (h < 180) g = c, b = x;
  else if (h < 240) g = x, b = c;
  else if (h < 300) r = x, b = c;
  else r = c, b = x;
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(r + m), byte(g + m), byte(b + m));
}

double nice_step(double span, int target) {
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-9))));
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (raw <= f * mag) return f * mag;
  return 10 * mag;
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

namespace {

constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

// A tick label with as many decimals as the step between ticks needs ("20.5" for a step of 0.5).
std::string tick_label(double v, double step) {
  if (std::fabs(v) < step / 2) v = 0;  // no "-0"
  if (std::fabs(v) >= 1e5) return number(v);
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  return fmt::format("{:.{}f}", v, decimals);
}

// The round step between time ticks (1 s ... 12 h, 1 d, 2 d, 7 d, then whole days) that leaves at
// most max_ticks ticks over span_ms.
std::int64_t time_step(double span_ms, int max_ticks) {
  static constexpr std::int64_t kSteps[] = {
      kSecond,     2 * kSecond, 5 * kSecond, 10 * kSecond, 15 * kSecond, 30 * kSecond, kMinute,  2 * kMinute,
      5 * kMinute, 10 * kMinute, 15 * kMinute, 30 * kMinute, kHour,      2 * kHour,    3 * kHour, 6 * kHour,
      12 * kHour,  kDay,        2 * kDay,    7 * kDay};
  for (std::int64_t step : kSteps)
    if (span_ms / static_cast<double>(step) <= max_ticks) return step;
  return static_cast<std::int64_t>(std::max(1.0, nice_step(span_ms / kDay, max_ticks))) * kDay;
}

// "6 Jan" (with the year: "6 Jan 2026"), the UTC date of t.
std::string date_label(TimestampMs t, bool with_year) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int year = 0;
  unsigned month = 1, day = 1;
  civil_from_days(floor_to_multiple(t, kDay) / kDay, year, month, day);
  return with_year ? fmt::format("{} {} {}", day, kMonths[month - 1], year) : fmt::format("{} {}", day, kMonths[month - 1]);
}

// "14:30" (with seconds: "14:30:05"), the UTC time of day of t.
std::string time_of_day_label(TimestampMs t, bool with_seconds) {
  const std::int64_t ms = t - floor_to_multiple(t, kDay);
  if (with_seconds) return fmt::format("{:02}:{:02}:{:02}", ms / kHour, ms % kHour / kMinute, ms % kMinute / kSecond);
  return fmt::format("{:02}:{:02}", ms / kHour, ms % kHour / kMinute);
}

// One x tick: where, and its label's one or two lines.
struct XTick {
  double x;
  std::string line1, line2;
};

// Ticks at multiples of a round time step, aligned to UTC midnight. Within a day each tick shows
// the time of day, and the date under it where the date changes; at steps of a day or more each
// shows the date. The first date carries the year.
std::vector<XTick> time_ticks(double x0, double x1, int max_ticks) {
  const std::int64_t step = time_step(x1 - x0, max_ticks);
  std::vector<XTick> ticks;
  std::int64_t shown_day = INT64_MIN;
  const auto first = floor_to_multiple(static_cast<TimestampMs>(std::ceil(x0)) + step - 1, step);
  for (TimestampMs t = first; static_cast<double>(t) <= x1; t += step) {
    const std::int64_t day = floor_to_multiple(t, kDay);
    const bool new_day = day != shown_day;
    const std::string date = new_day ? date_label(t, ticks.empty()) : "";
    shown_day = day;
    if (step >= kDay) ticks.push_back({static_cast<double>(t), date, ""});
    else ticks.push_back({static_cast<double>(t), time_of_day_label(t, step < kMinute), date});
  }
  return ticks;
}

std::vector<XTick> number_ticks(double x0, double x1, int max_ticks) {
  const double step = nice_step(x1 - x0, max_ticks);
  std::vector<XTick> ticks;
  for (double x = std::ceil(x0 / step) * step; x <= x1 + step * 1e-9; x += step) ticks.push_back({x, tick_label(x, step), ""});
  return ticks;
}

}  // namespace

std::string line_chart(const std::string& title, const std::vector<Series>& series, bool time_axis,
                       const std::string& y_unit, int width, int height) {
  // Margins: the title and legend above the plot; the y unit (turned) and the tick values left
  // of it; one or two lines of x tick labels below it.
  const double left = 58, right = 12, top = 28, bottom = time_axis ? 34 : 22;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (std::isnan(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  std::string svg = fmt::format(
      R"(<svg class=chart xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" role="img" )"
      R"(aria-label="{}" font-family="{}" font-size="11" fill="{}">)",
      width, height, width, height, escape(title), kFontFamily, kInk);
  svg += fmt::format(R"(<text x="0" y="15" class="title" font-size="13" font-weight="600">{}</text>)", escape(title));
  // The legend, right-aligned in the title's row (text about 6.2 px a character at 11 px).
  double lx = width - right;
  for (std::size_t si = series.size(); si-- > 0;) {
    const std::string colour = series[si].colour.empty() ? palette(si) : series[si].colour;
    lx -= 6.2 * static_cast<double>(series[si].name.size());
    svg += fmt::format(R"(<text x="{:.1f}" y="15" class="legend">{}</text>)", lx, escape(series[si].name));
    svg += fmt::format(R"(<line x1="{:.1f}" y1="11" x2="{:.1f}" y2="11" stroke="{}" stroke-width="2.5"/>)", lx - 20,
                       lx - 5, colour);
    lx -= 20 + 14;
  }
  if (!std::isfinite(x0)) return svg + fmt::format(R"(<text x="{}" y="{}">no data</text></svg>)", left, top + 30);
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1, y0 -= 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  const double pw = width - left - right, ph = height - top - bottom;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.0f}" height="{:.0f}" class="plot" fill="{}" stroke="{}"/>)", left,
                     top, pw, ph, kPlotFill, kPlotFrame);
  // y: round ticks with grid lines, the unit along the axis.
  const double y_step = nice_step(y1 - y0, std::max(3, static_cast<int>(ph / 30)));
  for (double yv = std::ceil(y0 / y_step) * y_step; yv <= y1; yv += y_step) {
    svg += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{:.0f}" y2="{:.1f}" stroke="{}"/>)", left, py(yv), left + pw, py(yv),
                       kGridLine);
    svg += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" class="tick" font-size="10" fill="{}">{}</text>)",
                       left - 5, py(yv) + 3.5, kTickInk, tick_label(yv, y_step));
  }
  if (!y_unit.empty())
    svg += fmt::format(R"svg(<text transform="translate(12 {:.1f}) rotate(-90)" text-anchor="middle" class="tick" fill="{}">{}</text>)svg",
                       top + ph / 2, kTickInk, escape(y_unit));
  // x: round ticks (UTC dates and times on a time axis), at least 70 px apart ("6 Jan 2026" fits).
  const int max_x_ticks = std::max(2, static_cast<int>(pw / 70));
  for (const XTick& t : time_axis ? time_ticks(x0, x1, max_x_ticks) : number_ticks(x0, x1, max_x_ticks)) {
    svg += fmt::format(R"(<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{:.0f}" stroke="{}"/>)", px(t.x), top, px(t.x), top + ph,
                       kGridLine);
    for (const auto& [line, dy] : {std::pair{&t.line1, 13.0}, std::pair{&t.line2, 25.0}})
      if (!line->empty())
        svg += fmt::format(R"(<text x="{:.1f}" y="{:.0f}" text-anchor="middle" class="tick" font-size="10" fill="{}">{}</text>)",
                           px(t.x), top + ph + dy, kTickInk, escape(*line));
  }
  if (time_axis)
    svg += fmt::format(R"(<text x="4" y="{:.0f}" class="tick" font-size="10" fill="{}">UTC</text>)", top + ph + 13, kTickInk);
  for (std::size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    const std::string colour = s.colour.empty() ? palette(si) : s.colour;
    std::string path, dots;
    // Thin long series to about two points per pixel: the picture is the same, the file small.
    const std::size_t n = std::min(s.x.size(), s.y.size());
    const std::size_t step = std::max<std::size_t>(1, n / static_cast<std::size_t>(pw * 2));
    std::size_t run = 0;  // points in the current stretch without a NaN
    double last_x = 0, last_y = 0;
    auto end_run = [&] {
      if (run == 1) dots += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="1.5"/>)", last_x, last_y);
      run = 0;
    };
    for (std::size_t i = 0; i < n; i += step) {
      if (std::isnan(s.y[i])) {
        end_run();
        continue;
      }
      last_x = px(s.x[i]), last_y = py(s.y[i]);
      path += fmt::format("{}{:.1f},{:.1f}", run ? "L" : "M", last_x, last_y);
      ++run;
    }
    end_run();
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.2" stroke-linejoin="round"/>)", path, colour);
    if (!dots.empty()) svg += fmt::format(R"(<g fill="{}">{}</g>)", colour, dots);
  }
  return svg + "</svg>";
}

}  // namespace xinzhi::html
