// The cleaning's output tables (see schema.cpp): clean readings with lineage, every change made
// to a raw row, quality metrics before and after, and the machine-wide time grid. A cleaning
// replaces all four in one transaction (CleanTablesWriter), so readers never see half of one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct CleanReadingRow {
  TimestampMs ts = 0;
  const std::string* machine = nullptr;  // the series' names, not copied per row
  const std::string* sensor = nullptr;
  double value = 0, value_std = 0;       // NaN: NULL
  std::int64_t raw_rowid = -1;           // -1: a row inserted for an absent reading
  const char* origin = "raw";            // raw, repaired, imputed, missing
  std::string method;
};

struct CleanActionRow {
  std::string step, machine, sensor;
  std::int64_t raw_rowid = -1;
  TimestampMs ts = 0;
  double old_value = 0, new_value = 0;  // NaN: NULL
  bool dropped = false;
  std::string reason;
};

struct CleanMetricRow {
  std::string machine, sensor, phase;       // phase: before, after
  std::optional<TimestampMs> window_start, window_end;  // none: the whole series
  std::int64_t points = 0;
  double completeness = 0, consistency = 0, timeliness = 0, validity = 0;
};

struct AlignedRow {
  std::string machine, sensor;
  TimestampMs ts = 0;
  double value = 0;
  std::int64_t n = 0;
};

// Opens a transaction that empties the four tables; add rows, then commit().
class CleanTablesWriter {
 public:
  explicit CleanTablesWriter(Database& db);
  void add(const CleanReadingRow& r);
  void add(const CleanActionRow& a);
  void add(const CleanMetricRow& m);
  void add(const AlignedRow& a);
  void commit() { tx_.commit(); }

 private:
  Transaction tx_;
  Statement reading_, action_, metric_, aligned_;
};

// clean_aligned, ordered by machine, ts, sensor.
std::vector<AlignedRow> read_aligned_rows(Database& db);
// The sensors clean_aligned has rows of, sorted.
std::vector<std::string> clean_aligned_sensors(Database& db);
// The same rows one at a time, without holding them (the names are the row's own strings, valid
// during the call); NaN for a NULL value.
void for_each_aligned_row(Database& db, const std::function<void(const AlignedRow&)>& fn);

}  // namespace xinzhi::store
