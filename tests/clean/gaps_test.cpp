// Gap rows inserted at the grid points of short gaps; gaps counted.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/gaps.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::make;

TEST(Repair, GapRows) {
  Series s = make({0, 10000, 40000, 50000, 900000}, {1, 2, 5, 6, 7});
  std::size_t added = 0;
  EXPECT_EQ(count_gaps(s.ts, 10000), 2u);
  EXPECT_EQ(insert_gap_rows(s, 10000, 60000, &added), 1u);  // the 850 s gap is over max_gap
  EXPECT_EQ(added, 2u);
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{0, 10000, 20000, 30000, 40000, 50000, 900000}));
  EXPECT_EQ(s.rowid[2], -1);
  EXPECT_TRUE(s.flags[3] & kInserted);
}
