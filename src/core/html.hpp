// Building blocks for self-contained HTML reports: escaping, tables, and inline SVG charts
// (no scripts, no external files), so a report opens anywhere and prints well.
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
};
// Lines over a shared x axis. time_axis: x is UTC milliseconds and ticks show dates.
std::string line_chart(const std::string& title, const std::vector<Series>& series, bool time_axis,
                       const std::string& y_unit, int width = 720, int height = 220);

// A colour from a fixed palette, by index.
std::string_view palette(std::size_t i);

}  // namespace xinzhi::html
