#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/table.hpp"

using namespace xinzhi;

TEST(Table, TypedColumnsWithNulls) {
  Table t;
  auto& ts = t.add_column("ts", ColumnType::timestamp);
  auto& v = t.add_column("value", ColumnType::float64);
  auto& s = t.add_column("sensor", ColumnType::string);
  auto& b = t.add_column("ok", ColumnType::boolean);
  ts.push_int(0), v.push_double(1.5), s.push_string("temp"), b.push_int(5);
  ts.push_int(1000), v.push_null(), s.push_null(), b.push_int(0);
  EXPECT_EQ(t.row_count(), 2u);
  EXPECT_EQ(t.column("value").null_count(), 1u);
  EXPECT_TRUE(t.column("value").is_null(1));
  EXPECT_EQ(t.column("ts").format(1), "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(t.column("ok").format(0), "true");
  EXPECT_EQ(t.column("value").format(1), "");
  EXPECT_THROW(t.column("nope"), Error);
  EXPECT_THROW(s.push_int(3), Error);
  EXPECT_THROW(t.add_column("ts", ColumnType::int64), Error);
}
