// The report building blocks: the line chart's axes, legend and gaps, the palette, round steps.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "core/html.hpp"
#include "core/time.hpp"

using namespace xinzhi;

namespace {
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = text.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}
}  // namespace

TEST(Html, LineChartHasATimeAxisAUnitALegendAndGaps) {
  const double t0 = static_cast<double>(*parse_iso8601("2026-01-05T06:00:00Z"));
  html::Series raw{"raw", {}, {}, std::string(html::kMuted)}, clean{"clean", {}, {}, ""};
  for (int i = 0; i <= 62; ++i) {  // hourly to 7 Jan 20:00
    const double x = t0 + i * 3600e3, y = 20 + i % 5;
    raw.x.push_back(x), raw.y.push_back(y);
    clean.x.push_back(x), clean.y.push_back(i == 10 || i == 12 ? std::nan("") : y);  // 11 stands alone
  }
  const std::string svg = html::line_chart("M01 · temperature", {raw, clean}, true, "°C", 500, 200);
  // Round UTC ticks: times of day, the date under the first and at midnight, the year once.
  EXPECT_NE(svg.find(">12:00<"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">00:00<"), std::string::npos);
  EXPECT_EQ(count(svg, ">5 Jan 2026<"), 1u);
  EXPECT_NE(svg.find(">6 Jan<"), std::string::npos);
  EXPECT_NE(svg.find(">7 Jan<"), std::string::npos);
  EXPECT_NE(svg.find(">UTC<"), std::string::npos);
  EXPECT_NE(svg.find(">°C<"), std::string::npos);
  EXPECT_NE(svg.find(">raw<"), std::string::npos);
  EXPECT_NE(svg.find(">clean<"), std::string::npos);
  // Raw in its own colour, clean in the palette's colour for the second series; the NaNs break the clean line into three
  // stretches, of which the middle one (a single value) is a dot.
  EXPECT_NE(svg.find(std::string("stroke=\"") + std::string(html::kMuted) + "\""), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"" + html::palette(1) + "\""), std::string::npos);
  const std::size_t clean_path = svg.rfind("<path d=\"");
  EXPECT_EQ(count(svg.substr(clean_path, svg.find('"', clean_path + 9) - clean_path), "M"), 3u);
  EXPECT_EQ(count(svg, "<circle"), 1u);
  EXPECT_NE(html::line_chart("empty", {}, true, "").find("no data"), std::string::npos);
}

TEST(Html, LineChartOnANumberAxisHasRoundTicks) {
  html::Series s{"s", {0, 1, 2, 3, 4}, {0.1, 0.4, 0.2, 0.3, 0.5}, ""};
  const std::string svg = html::line_chart("t", {s}, false, "", 400, 160);
  EXPECT_NE(svg.find(">0.2<"), std::string::npos) << svg;  // y: a step of 0.1 shows one decimal
  EXPECT_NE(svg.find(">2<"), std::string::npos);           // x: whole numbers
  EXPECT_EQ(svg.find(">UTC<"), std::string::npos);
}

TEST(Html, PaletteTellsManyCategoriesApartAndStepsAreRound) {
  std::set<std::string> colours;
  for (std::size_t i = 0; i < 60; ++i) colours.insert(html::palette(i));
  EXPECT_EQ(colours.size(), 60u);
  EXPECT_EQ(html::palette(0), "#3b6fb6");
  EXPECT_EQ(html::nice_step(100, 4), 50);
  EXPECT_EQ(html::nice_step(1200, 12), 100);
  EXPECT_DOUBLE_EQ(html::nice_step(0.9, 4), 0.5);
}
