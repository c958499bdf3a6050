// Time repair on hand-made series with known answers: reorder, de-duplicate, snap, clock skew.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/time_repair.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::make;

TEST(Repair, ReorderCountsLateArrivalsAndSortsStably) {
  Series s = make({0, 2000, 1000, 3000, 3000}, {1, 3, 2, 4, 5});
  ActionLog log;
  EXPECT_EQ(reorder(s, log), 1u);
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{0, 1000, 2000, 3000, 3000}));
  EXPECT_EQ(s.rowid, (std::vector<std::int64_t>{1, 3, 2, 4, 5}));  // equal ts keep arrival order
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].rowid, 3);
  EXPECT_FALSE(log[0].dropped);
}

TEST(Repair, DeduplicateExactAndWithinTolerance) {
  Series s = make({0, 0, 1000, 1000, 2000, 2050, 3000}, {1, 1, 2, 9, 3, 3, 4});
  ActionLog log;
  EXPECT_EQ(deduplicate(s, 0, true, log), 2u);  // exact (1,1) and conflicting (2,9): first kept
  EXPECT_EQ(s.value, (std::vector<double>{1, 2, 3, 3, 4}));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[0].dropped && log[1].dropped);
  EXPECT_EQ(log[1].rowid, 4);
  EXPECT_NE(log[1].reason.find("another value"), std::string::npos);
  EXPECT_EQ(deduplicate(s, 100, true, log), 1u);  // 2000 and 2050 with the same value
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{0, 1000, 2000, 3000}));
}

TEST(Repair, IntervalSnapAndSkew) {
  Series s = make({10030, 19980, 30010, 40400, 49990, 50100}, {1, 2, 3, 4, 5, 6});
  ActionLog log;
  std::size_t coll = 0;
  EXPECT_EQ(snap_timestamps(s, 10000, log, &coll), 6u - 1u);  // 50100 -> 50000 collides with 49990 -> 50000
  EXPECT_EQ(coll, 1u);
  EXPECT_EQ(s.ts, (std::vector<std::int64_t>{10000, 20000, 30000, 40000, 50000}));
  EXPECT_EQ(s.value.back(), 5);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].dropped);
  EXPECT_EQ(log[0].rowid, 6);

  Series k = make({3000, 13000, 23000, 33000}, {1, 2, 3, 4});
  EXPECT_EQ(grid_phase(k.ts, 10000), 3000);
  correct_skew(k, 3000, log);
  EXPECT_EQ(k.ts, (std::vector<std::int64_t>{0, 10000, 20000, 30000}));
  EXPECT_TRUE(k.flags[0] & kSkew);
}
