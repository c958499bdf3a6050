#include "store/warehouse.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "store/schema.hpp"

namespace xinzhi::store {

namespace {

Database::Mode open_mode(const std::string& path, bool create) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, "is a folder, expected a warehouse file");
  if (!create && !std::filesystem::exists(path, ec)) throw InputError(path, "no such warehouse file");
  return create ? Database::Mode::read_write_create : Database::Mode::read_write;
}

}  // namespace

Warehouse::Warehouse(const std::string& path, bool create) : db_(path, open_mode(path, create)) {
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL: a commit survives a process crash
  db_.exec("PRAGMA foreign_keys=ON");
  migrate(db_);
}

Warehouse::Warehouse(const std::string& path, ReadOnly)
    : db_(path, (open_mode(path, /*create=*/false), Database::Mode::read_only)) {  // open_mode: a folder or no file is refused
  check_schema(db_);
}

Warehouse Warehouse::open_read_only(const std::string& path) { return Warehouse(path, ReadOnly{}); }

void Warehouse::sync_every_commit(bool full) { db_.exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); }

void Warehouse::append_readings(const Table& t) {
  const Column& ts = t.column("ts");
  const Column& machine = t.column("machine");
  const Column& sensor = t.column("sensor");
  const Column& value = t.column("value");
  Transaction tx(db_);
  Statement ins = db_.prepare("INSERT INTO readings(ts, machine, sensor, value) VALUES (?, ?, ?, ?)");
  for (std::size_t i = 0; i < t.row_count(); ++i) {
    ins.bind(1, ts.int_at(i)).bind(2, machine.string_at(i)).bind(3, sensor.string_at(i));
    if (value.is_null(i)) ins.bind_null(4);
    else ins.bind(4, value.double_at(i));
    ins.run();
  }
  tx.commit();
}

Table Warehouse::read_readings(const std::string& machine) {
  Table t;
  Column& ts = t.add_column("ts", ColumnType::timestamp);
  Column& m = t.add_column("machine", ColumnType::string);
  Column& s = t.add_column("sensor", ColumnType::string);
  Column& v = t.add_column("value", ColumnType::float64);
  std::string sql = "SELECT ts, machine, sensor, value FROM readings";
  if (!machine.empty()) sql += " WHERE machine = ?";
  sql += " ORDER BY machine, sensor, ts, rowid";
  Statement q = db_.prepare(sql);
  if (!machine.empty()) q.bind(1, machine);
  while (q.step()) {
    ts.push_int(q.get_int(0));
    m.push_string(q.get_text(1));
    s.push_string(q.get_text(2));
    if (q.is_null(3)) v.push_null();
    else v.push_double(q.get_double(3));
  }
  return t;
}

std::int64_t Warehouse::reading_count() { return query_int(db_, "SELECT count(*) FROM readings").value_or(0); }

void Warehouse::quarantine(const std::vector<QuarantineRow>& rows) {
  if (rows.empty()) return;
  Transaction tx(db_);
  QuarantineAppender out(db_);
  const auto now = now_ms();
  for (const auto& r : rows) out.append(r, now);
  tx.commit();
}

std::int64_t Warehouse::quarantine_count(const std::string& stage) {
  if (stage.empty()) return query_int(db_, "SELECT count(*) FROM quarantine").value_or(0);
  Statement q = db_.prepare("SELECT count(*) FROM quarantine WHERE stage = ?");
  q.bind(1, stage);
  q.step();
  return q.get_int(0);
}

void Warehouse::put_text_records(const std::vector<TextRecord>& records) {
  Transaction tx(db_);
  Statement ins = db_.prepare(
      "INSERT OR REPLACE INTO text_records(record_id, ts, machine, lang, split, text, label, value, entities, kind) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& r : records) {
    ins.bind(1, r.record_id).bind(2, r.ts).bind(3, r.machine).bind(4, r.lang).bind(5, r.split).bind(6, r.text);
    ins.bind(7, r.label);
    if (r.has_value) ins.bind(8, r.value);
    else ins.bind_null(8);
    ins.bind(9, r.entities_json).bind(10, r.kind).run();
  }
  tx.commit();
}

std::vector<TextRecord> Warehouse::text_records(const std::string& split) {
  std::string sql = "SELECT record_id, ts, machine, lang, split, text, label, value, entities FROM text_records";
  if (!split.empty()) sql += " WHERE split = ?";
  sql += " ORDER BY id";
  Statement q = db_.prepare(sql);
  if (!split.empty()) q.bind(1, split);
  std::vector<TextRecord> out;
  while (q.step()) {
    TextRecord r;
    r.record_id = q.get_text(0);
    r.ts = q.get_int(1);
    r.machine = q.get_text(2);
    r.lang = q.get_text(3);
    r.split = q.get_text(4);
    r.text = q.get_text(5);
    r.label = q.get_text(6);
    r.has_value = !q.is_null(7);
    r.value = q.get_double(7);
    r.entities_json = q.get_text(8);
    out.push_back(std::move(r));
  }
  return out;
}

void Warehouse::put_orders(const std::vector<ProductionOrder>& orders) {
  Transaction tx(db_);
  Statement del_ops = db_.prepare("DELETE FROM order_operations WHERE order_id = ?");
  Statement ins = db_.prepare(
      "INSERT OR REPLACE INTO production_orders(order_id, product, quantity, release_ms, due_ms, weight) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  Statement ins_op = db_.prepare("INSERT INTO order_operations(order_id, seq, eligible) VALUES (?, ?, ?)");
  for (const auto& o : orders) {
    del_ops.bind(1, o.order_id).run();
    ins.bind(1, o.order_id).bind(2, o.product).bind(3, o.quantity).bind(4, o.release_ms).bind(5, o.due_ms);
    ins.bind(6, o.weight).run();
    for (std::size_t k = 0; k < o.operations.size(); ++k) {
      nlohmann::json eligible = nlohmann::json::array();
      for (const auto& e : o.operations[k].eligible) eligible.push_back({{"machine", e.machine}, {"minutes", e.minutes}});
      ins_op.bind(1, o.order_id).bind(2, static_cast<std::int64_t>(k)).bind(3, eligible.dump()).run();
    }
  }
  tx.commit();
}

std::vector<ProductionOrder> Warehouse::orders() {
  std::vector<ProductionOrder> out;
  Statement q = db_.prepare(
      "SELECT order_id, product, quantity, release_ms, due_ms, weight FROM production_orders ORDER BY release_ms, order_id");
  Statement ops = db_.prepare("SELECT eligible FROM order_operations WHERE order_id = ? ORDER BY seq");
  while (q.step()) {
    ProductionOrder o;
    o.order_id = q.get_text(0);
    o.product = q.get_text(1);
    o.quantity = q.get_int(2);
    o.release_ms = q.get_int(3);
    o.due_ms = q.get_int(4);
    o.weight = q.get_double(5);
    ops.bind(1, o.order_id);
    while (ops.step()) {
      OrderOperation op;
      for (const auto& e : nlohmann::json::parse(ops.get_text(0)))
        op.eligible.push_back({e.at("machine").get<std::string>(), e.at("minutes").get<double>()});
      o.operations.push_back(std::move(op));
    }
    ops.reset();
    out.push_back(std::move(o));
  }
  return out;
}

std::int64_t Warehouse::begin_run(const std::string& name, const std::string& folder) {
  Statement ins = db_.prepare("INSERT INTO runs(name, folder, started_ms, status) VALUES (?, ?, ?, 'running')");
  ins.bind(1, name).bind(2, folder).bind(3, now_ms()).run();
  return db_.last_insert_rowid();
}

void Warehouse::end_run(std::int64_t id, const std::string& status, const std::string& metrics_json) {
  Statement up = db_.prepare("UPDATE runs SET finished_ms = ?, status = ?, metrics = ? WHERE id = ?");
  up.bind(1, now_ms()).bind(2, status).bind(3, metrics_json).bind(4, id).run();
}

}  // namespace xinzhi::store
