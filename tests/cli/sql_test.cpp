// `xinzhi sql` on a real warehouse: timestamps as ISO-8601 (or raw), the tables and their
// columns, JSON in column order, scripts of several statements, read-only unless --write.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "store/downtime_table.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using xinzhi::testing::read_text;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;

namespace {

// A warehouse with three readings and a downtime window.
std::string small_warehouse(const TempDir& dir) {
  const std::string db = dir / "w.db";
  store::Warehouse wh(db);
  Table t;
  auto& ts = t.add_column("ts", ColumnType::timestamp);
  auto& m = t.add_column("machine", ColumnType::string);
  auto& s = t.add_column("sensor", ColumnType::string);
  auto& v = t.add_column("value", ColumnType::float64);
  for (int i = 0; i < 3; ++i) {
    ts.push_int(*parse_iso8601("2026-01-05T06:00:00Z") + i * 60000);
    m.push_string("M1");
    s.push_string("power");
    v.push_double(1.5 + i);
  }
  wh.append_readings(t);
  store::replace_downtime(wh.db(), "calendar.csv",
                          {{"M1", *parse_iso8601("2026-01-06T06:00:00Z"), std::nullopt, "planned", "calendar.csv", "preventive"}});
  return db;
}

}  // namespace

TEST(SqlCommand, TimestampsAsIsoUnlessRawTime) {
  TempDir dir;
  const std::string db = small_warehouse(dir);
  auto r = run_xinzhi("sql " + db + " \"SELECT min(ts), max(ts), count(ts), max(ts) / 1000 AS secs FROM readings\" -f csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2026-01-05T06:00:00.000Z,2026-01-05T06:02:00.000Z,3,1767592920"), std::string::npos) << r.output;
  r = run_xinzhi("sql " + db + " \"SELECT ts FROM readings LIMIT 1\" -f csv --raw-time");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1767592800000"), std::string::npos) << r.output;
  r = run_xinzhi("sql " + db + " \"SELECT start_ms, end_ms, detail FROM downtime_windows\" -f csv");
  EXPECT_NE(r.output.find("2026-01-06T06:00:00.000Z,,preventive"), std::string::npos) << r.output;
}

TEST(SqlCommand, JsonKeepsColumnOrder) {
  TempDir dir;
  const std::string db = small_warehouse(dir);
  const auto r = run_xinzhi("sql " + db + " \"SELECT value, sensor, ts FROM readings ORDER BY ts LIMIT 1\" -f json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::ordered_json::parse(r.output);
  ASSERT_EQ(j.size(), 1u);
  std::vector<std::string> keys;
  for (const auto& [k, _] : j[0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"value", "sensor", "ts"}));
  EXPECT_EQ(j[0]["value"], 1.5);
  EXPECT_EQ(j[0]["ts"], "2026-01-05T06:00:00.000Z");
}

TEST(SqlCommand, TablesAndSchema) {
  TempDir dir;
  const std::string db = small_warehouse(dir);
  auto r = run_xinzhi("sql " + db + " --tables -f csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("readings,3,raw sensor readings"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("downtime_windows,1,"), std::string::npos) << r.output;
  r = run_xinzhi("sql " + db + " --schema readings -f csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("readings,ts,INTEGER,yes,yes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("readings,machine,TEXT,yes,\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("quarantine,"), std::string::npos) << r.output;  // only the table asked for
  xinzhi::testing::expect_input_error("sql " + db + " --schema nosuch", "no such table");
  EXPECT_EQ(run_xinzhi("sql " + db + " \"SELECT 1\" --tables").exit_code, 1);
}

TEST(SqlCommand, ScriptsRunInOrderAndAFailingStatementIsNamed) {
  TempDir dir;
  const std::string db = small_warehouse(dir);
  auto r = run_xinzhi("sql " + db + " \"SELECT count(*) AS n FROM readings; SELECT 'second' AS s;\" -f csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto first = r.output.find("n\n3\n"), second = r.output.find("s\nsecond\n");
  ASSERT_NE(first, std::string::npos) << r.output;
  ASSERT_NE(second, std::string::npos) << r.output;
  EXPECT_LT(first, second);
  r = run_xinzhi("sql " + db + " \"SELECT 1; SELEC 2\"");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("statement 2 (SELEC 2)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("syntax error"), std::string::npos) << r.output;
}

TEST(SqlCommand, ReadOnlyUnlessWrite) {
  TempDir dir;
  const std::string db = small_warehouse(dir);
  // A clean shutdown checkpoints the WAL: the file holds everything, and no -wal is left.
  ASSERT_FALSE(std::filesystem::exists(db + "-wal"));
  const std::string before = read_text(db);
  auto r = run_xinzhi("sql " + db + " \"SELECT count(*) FROM readings; SELECT * FROM sensors\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_text(db), before);  // not a byte changed, no migration, no write
  r = run_xinzhi("sql " + db + " \"DELETE FROM readings\"");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("add --write"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(db), before);
  // With --write: all the statements or none.
  r = run_xinzhi("sql " + db + " --write \"DELETE FROM readings WHERE value > 2; SELEC oops\"");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(run_xinzhi("sql " + db + " \"SELECT count(*) FROM readings\" -f csv").output, "count(*)\n3\n");
  r = run_xinzhi("sql " + db + " --write \"DELETE FROM readings WHERE value > 2\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run_xinzhi("sql " + db + " \"SELECT count(*) FROM readings\" -f csv").output, "count(*)\n1\n");
}

TEST(SqlCommand, MissingAndForeignFilesAreRefused) {
  TempDir dir;
  xinzhi::testing::expect_input_error("sql " + dir / "absent.db" + " \"SELECT 1\"", "absent.db: no such warehouse file");
  xinzhi::testing::write_text(dir / "notes.txt", "not a database at all, just some text long enough to be read\n");
  xinzhi::testing::expect_input_error("sql " + dir / "notes.txt" + " \"SELECT 1\"", "notes.txt");
  EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));  // a read never creates a file
}
