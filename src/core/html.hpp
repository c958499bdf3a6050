// Building blocks for self-contained HTML reports: escaping, tables, and inline SVG charts
// (no scripts, no external files), so a report opens anywhere and prints well. The charts carry
// their own colours and fonts, so an HTML fragment looks right without the report's stylesheet.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xinzhi::html {

std::string escape(std::string_view text);

// A table with a header row; cells are escaped. Columns whose header starts with '#' are
// right-aligned numbers (the '#' is not shown).
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

struct Bar {
  std::string label;
  double value;
};
// Horizontal bars with their values written at the end, e.g. stage timings or counts by kind.
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars, const std::string& unit);

struct Series {
  std::string name;
  std::vector<double> x;  // e.g. milliseconds since epoch, or an index
  std::vector<double> y;  // NaN = gap
  std::string colour;     // "" = palette(the series' index)
};
// Lines over a shared x axis, drawn in order (the last on top), with a legend of the series'
// names. time_axis: x is UTC milliseconds and the ticks are UTC dates and times of day at a
// round step (6 h, 1 d, ...). y_unit is written along the y axis. A NaN breaks the line; a value
// alone between two NaNs is drawn as a dot.
std::string line_chart(const std::string& title, const std::vector<Series>& series, bool time_axis,
                       const std::string& y_unit, int width = 720, int height = 220);

// A colour for category i (a series, a bar, a job of a schedule): ten hues chosen to be told
// apart, then golden-angle hues of alternating lightness, so that no two of many categories share
// one and neighbours differ.
std::string palette(std::size_t i);

// The colours of a chart's frame, the same in every chart so that a report reads as one (and the
// same as the run report's stylesheet). kMuted: a series shown for context, such as the raw
// values behind the cleaned ones.
inline constexpr std::string_view kInk = "#1d2733", kTickInk = "#5a6675", kGridLine = "#e6e9ee",
                                  kPlotFill = "#fbfcfd", kPlotFrame = "#d5dbe2", kMuted = "#a7afb9";
// The font of a chart's text (the report's own, where the page gives none).
inline constexpr std::string_view kFontFamily = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', sans-serif";

// A round step (1, 2 or 5 times a power of ten) that cuts span into about target pieces: the
// step between an axis' ticks.
double nice_step(double span, int target);

}  // namespace xinzhi::html
