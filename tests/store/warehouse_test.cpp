// The warehouse on a real SQLite file: migrations, refusal of foreign and newer files, bulk I/O.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "core/error.hpp"
#include "store/predictions_table.hpp"
#include "store/schema.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

TEST(Warehouse, CreatesWalFileAtCurrentSchema) {
  TempDir dir;
  store::Warehouse wh(dir / "w.db");
  EXPECT_EQ(store::query_int(wh.db(), "PRAGMA user_version"), store::current_schema_version());
  store::Statement q = wh.db().prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.get_text(0), "wal");
  for (const char* table : {"readings", "quarantine", "text_records", "production_orders", "order_operations", "runs", "sources"}) {
    store::Statement t = wh.db().prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?");
    t.bind(1, table);
    t.step();
    EXPECT_EQ(t.get_int(0), 1) << table;
  }
}

TEST(Warehouse, ReadingsRoundTripWithNulls) {
  TempDir dir;
  store::Warehouse wh(dir / "w.db");
  Table t;
  auto& ts = t.add_column("ts", ColumnType::timestamp);
  auto& m = t.add_column("machine", ColumnType::string);
  auto& s = t.add_column("sensor", ColumnType::string);
  auto& v = t.add_column("value", ColumnType::float64);
  for (int i = 0; i < 100; ++i) {
    ts.push_int(1000 * (100 - i));
    m.push_string(i % 2 ? "M2" : "M1");
    s.push_string("power");
    if (i % 10 == 0) v.push_null();
    else v.push_double(i * 0.25);
  }
  wh.append_readings(t);
  const Table back = wh.read_readings("M1");
  ASSERT_EQ(back.row_count(), 50u);
  EXPECT_EQ(back.column("value").null_count(), 10u);
  for (std::size_t i = 1; i < back.row_count(); ++i)
    EXPECT_LT(back.column("ts").int_at(i - 1), back.column("ts").int_at(i));  // ordered by ts
}

TEST(Warehouse, ADetectorsRerunKeepsTheStatesOfItsAlarms) {
  TempDir dir;
  store::Warehouse wh(dir / "w.db");
  auto& db = wh.db();
  const std::string rule = "streaming>0.99";
  store::replace_alarms(db, rule, {{"M1", "vibration", 1000, 0.995, rule, "open"}, {"M1", "vibration", 2000, 0.999, rule, "open"},
                                   {"M2", "load", 1500, 0.992, rule, "open"}});
  store::replace_alarms(db, "rule:other", {{"M1", "vibration", 1000, 1, "rule:other", "open"}});
  std::int64_t first = 0, m2 = 0;
  {
    store::Statement q(db, "SELECT id, machine FROM alarms WHERE rule = ? ORDER BY ts");
    q.bind(1, rule);
    ASSERT_TRUE(q.step());
    first = q.get_int(0);
    ASSERT_TRUE(q.step());
    m2 = q.get_int(0);
  }
  ASSERT_TRUE(store::set_alarm_state(db, first, "acknowledged", "alice", 5000));
  ASSERT_TRUE(store::set_alarm_state(db, m2, "cleared", "bob", 6000));
  // The detector runs again: the first alarm is found again (a new score), M2's is not, one is new.
  store::replace_alarms(db, rule, {{"M1", "vibration", 1000, 0.997, rule, "open"}, {"M1", "vibration", 2000, 0.999, rule, "open"},
                                   {"M1", "vibration", 3000, 0.993, rule, "open"}});
  store::Statement q(db, "SELECT id, ts, score, state, changed_by FROM alarms WHERE rule = ? ORDER BY ts");
  q.bind(1, rule);
  std::vector<std::tuple<std::int64_t, std::int64_t, double, std::string, std::string>> rows;
  while (q.step()) rows.emplace_back(q.get_int(0), q.get_int(1), q.get_double(2), q.get_text(3), q.get_text(4));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(std::get<0>(rows[0]), first) << "the alarm kept its id";
  EXPECT_DOUBLE_EQ(std::get<2>(rows[0]), 0.997);
  EXPECT_EQ(std::get<3>(rows[0]), "acknowledged");
  EXPECT_EQ(std::get<4>(rows[0]), "alice");
  EXPECT_EQ(std::get<3>(rows[1]), "open");
  EXPECT_EQ(std::get<1>(rows[2]), 3000);
  EXPECT_EQ(std::get<3>(rows[2]), "open");
  // Another rule's alarm at the same place and time is untouched.
  store::Statement other(db, "SELECT count(*) FROM alarms WHERE rule = 'rule:other'");
  ASSERT_TRUE(other.step());
  EXPECT_EQ(other.get_int(0), 1);
}

TEST(Warehouse, OrdersAndTextRecordsRoundTrip) {
  TempDir dir;
  store::Warehouse wh(dir / "w.db");
  store::ProductionOrder o{"O1", "P1", 5, 1000, 9000, 2.0, {}};
  o.operations.push_back({{{"M1", 12.5}, {"M2", 14}}});
  o.operations.push_back({{{"M3", 3}}});
  wh.put_orders({o});
  wh.put_orders({o});  // replacing keeps one copy
  const auto orders = wh.orders();
  ASSERT_EQ(orders.size(), 1u);
  ASSERT_EQ(orders[0].operations.size(), 2u);
  EXPECT_EQ(orders[0].operations[0].eligible[1].machine, "M2");
  EXPECT_DOUBLE_EQ(orders[0].operations[0].eligible[0].minutes, 12.5);
  store::TextRecord r;
  r.record_id = "R1", r.lang = "zh", r.split = "train", r.text = "主轴轴承异响", r.label = "bearing";
  r.entities_json = R"([[0,2,"COMPONENT"]])";
  wh.put_text_records({r});
  const auto back = wh.text_records("train");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].text, "主轴轴承异响");
  EXPECT_EQ(back[0].entities_json, R"([[0,2,"COMPONENT"]])");
}

TEST(Warehouse, RefusesAFileThatIsNotSqlite) {
  TempDir dir;
  write_text(dir / "notes.db", "these are not the bytes of a database, just some text that is long enough\n");
  try {
    store::Warehouse wh(dir / "notes.db");
    FAIL() << "opened a text file as a warehouse";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("is not a SQLite warehouse"), std::string::npos) << e.what();
  }
  const auto r = run_xinzhi("sql " + (dir / "notes.db") + " 'SELECT 1'");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("notes.db: is not a SQLite warehouse"), std::string::npos) << r.output;
  // Nothing was written over the file.
  EXPECT_EQ(xinzhi::testing::read_text(dir / "notes.db"), "these are not the bytes of a database, just some text that is long enough\n");
}

TEST(Warehouse, RefusesANewerSchemaAndForeignSqlite) {
  TempDir dir;
  {
    store::Warehouse wh(dir / "new.db");
    wh.db().exec("PRAGMA user_version = 999");
  }
  const auto r = run_xinzhi("ingest " + (dir / "none.csv") + " --db " + (dir / "new.db"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("schema version 999 is newer than this xinzhi knows"), std::string::npos) << r.output;

  sqlite3* raw = nullptr;
  sqlite3_open((dir / "other.db").c_str(), &raw);
  sqlite3_exec(raw, "CREATE TABLE accounts(id INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  const auto r2 = run_xinzhi("sql " + (dir / "other.db") + " 'SELECT 1'");
  EXPECT_EQ(r2.exit_code, 2) << r2.output;
  EXPECT_NE(r2.output.find("not a xinzhi warehouse"), std::string::npos) << r2.output;
}

TEST(WarehouseCli, SqlPrintsTableCsvAndJson) {
  TempDir dir;
  { store::Warehouse wh(dir / "w.db"); }
  auto r = run_xinzhi("sql " + (dir / "w.db") + " \"SELECT 1 AS a, 'x,y' AS b, NULL AS c\" --format csv");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "a,b,c\n1,\"x,y\",\n");
  r = run_xinzhi("sql " + (dir / "w.db") + " \"SELECT 1 AS a\" --format json");
  EXPECT_NE(r.output.find("\"a\": 1"), std::string::npos) << r.output;
  r = run_xinzhi("sql " + (dir / "w.db") + " \"SELECT 1 AS a\"");
  EXPECT_NE(r.output.find("(1 row)"), std::string::npos) << r.output;
  r = run_xinzhi("sql " + (dir / "w.db") + " \"SELEC 1\"");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("SQL error"), std::string::npos) << r.output;
  r = run_xinzhi("sql " + (dir / "absent.db") + " \"SELECT 1\"");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no such warehouse file"), std::string::npos) << r.output;
}
