#include <gtest/gtest.h>

#include "core/time.hpp"

using namespace xinzhi;

TEST(Time, ParsesAndFormatsUtcWithMilliseconds) {
  auto t = parse_iso8601("2026-03-01T08:30:15.125Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "2026-03-01T08:30:15.125Z");
  EXPECT_EQ(*parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_iso8601("1970-01-01T00:00:01.5Z"), 1500);
}

TEST(Time, AcceptsOffsetsAndSpaceSeparator) {
  EXPECT_EQ(*parse_iso8601("2026-03-01T16:30:15+08:00"), *parse_iso8601("2026-03-01T08:30:15Z"));
  EXPECT_EQ(*parse_iso8601("2026-03-01T03:30:15-0500"), *parse_iso8601("2026-03-01T08:30:15Z"));
  EXPECT_EQ(*parse_iso8601("2026-03-01 08:30:15"), *parse_iso8601("2026-03-01T08:30:15Z"));
  EXPECT_EQ(*parse_iso8601("2026-03-01"), *parse_iso8601("2026-03-01T00:00:00Z"));
}

TEST(Time, RejectsImpossibleAndMalformed) {
  for (const char* bad : {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "yesterday",
                          "2026-03-01T08:30:15.Z", "2026-03-01T08:30:15Zjunk", "", "2026-3-1"})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2023-02-29T00:00:00Z"));
}

TEST(Time, NegativeTimesRoundTrip) {
  for (TimestampMs ms : {-1LL, -1000LL, -86400001LL, 951782400123LL}) EXPECT_EQ(*parse_iso8601(format_iso8601(ms)), ms);
}
