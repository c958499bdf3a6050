// The UCI Air Quality reader on the file as published.
#include <gtest/gtest.h>

#include <cmath>

#include "airquality.hpp"
#include "core/error.hpp"
#include "support/test_support.hpp"

using namespace xinzhi::bench;

TEST(AirQuality, ReadsTheFileAsPublished) {
  XINZHI_REQUIRE_DATA(dir, "airquality-uci");
  const WideSeries w = read_uci_airquality(dir + "/AirQualityUCI.csv");
  EXPECT_EQ(w.ts.size(), 9357u);
  EXPECT_EQ(w.names.size(), 13u);
  EXPECT_EQ(w.empty_rows, 114u);
  EXPECT_EQ(w.missing(), 16701u);  // PROVENANCE.md: 16,701 of 121,641 cells
  EXPECT_EQ(w.names.front(), "CO(GT)");
  EXPECT_EQ(w.names.back(), "AH");
  EXPECT_DOUBLE_EQ(w.cols[0][0], 2.6);   // decimal comma
  EXPECT_DOUBLE_EQ(w.cols[12][0], 0.7578);
  EXPECT_EQ(w.ts[1] - w.ts[0], 3600000);  // hourly
  EXPECT_EQ(w.ts.back() - w.ts.front(), 9356LL * 3600000);
  double tmin = 1e9;
  for (double v : w.cols[10]) if (!std::isnan(v)) tmin = std::min(tmin, v);
  EXPECT_LT(tmin, 0);  // genuine negative temperatures are kept
}

TEST(AirQuality, BadRowNamesItsPlace) {
  xinzhi::testing::TempDir dir;
  xinzhi::testing::write_text(dir / "aq.csv", "Date;Time;CO(GT);T;;\n10/03/2004;18.00.00;2,6;13,6;;\n"
                                              "10/03/2004;19.00.00;x;13,3;;\n");
  try {
    read_uci_airquality(dir / "aq.csv");
    FAIL() << "no error";
  } catch (const xinzhi::Error& e) {
    EXPECT_NE(std::string(e.what()).find("aq.csv:3:21"), std::string::npos) << e.what();
  }
}
