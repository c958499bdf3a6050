// The warehouse: one SQLite file in WAL mode holding readings, quarantine, text records,
// production orders and runs. Opening it migrates an older schema forward and refuses a
// file that is not a xinzhi warehouse.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"
#include "store/quarantine_table.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct TextRecord {
  std::string record_id, lang, split, text, label, entities_json = "[]", machine;
  std::string kind;  // fault, repair, maintenance, inspection ("" when the record did not say)
  std::int64_t ts = 0;
  bool has_value = false;
  double value = 0;
};

struct OrderOperation {
  struct Option {
    std::string machine;
    double minutes;
  };
  std::vector<Option> eligible;
};

struct ProductionOrder {
  std::string order_id, product;
  std::int64_t quantity = 1, release_ms = 0, due_ms = 0;
  double weight = 1;
  std::vector<OrderOperation> operations;
};

class Warehouse {
 public:
  // Opens or creates the warehouse at path, migrating an older schema. create=false refuses a
  // missing file.
  explicit Warehouse(const std::string& path, bool create = true);
  // Opens an existing warehouse for reading only: nothing is created, migrated or written.
  static Warehouse open_read_only(const std::string& path);

  Database& db() { return db_; }
  // full: every commit reaches the disk before it returns (synchronous=FULL), for a source that
  // acknowledges data after the commit; otherwise a commit survives a crash of the process, not
  // of the machine (WAL with synchronous=NORMAL, the default).
  void sync_every_commit(bool full);
  const std::string& path() const { return db_.path(); }

  // Readings: a table with columns ts (timestamp), machine, sensor (string), value (float64).
  void append_readings(const Table& readings);
  // All readings, optionally for one machine, ordered by machine, sensor, ts.
  Table read_readings(const std::string& machine = "");
  std::int64_t reading_count();

  void quarantine(const std::vector<QuarantineRow>& rows);
  std::int64_t quarantine_count(const std::string& stage = "");

  void put_text_records(const std::vector<TextRecord>& records);  // replaces by record_id
  std::vector<TextRecord> text_records(const std::string& split = "");

  void put_orders(const std::vector<ProductionOrder>& orders);  // replaces by order_id
  std::vector<ProductionOrder> orders();

  std::int64_t begin_run(const std::string& name, const std::string& folder);
  void end_run(std::int64_t id, const std::string& status, const std::string& metrics_json);

 private:
  struct ReadOnly {};
  Warehouse(const std::string& path, ReadOnly);
  Database db_;
};

}  // namespace xinzhi::store
