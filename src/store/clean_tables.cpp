#include "store/clean_tables.hpp"

#include <cmath>

namespace xinzhi::store {

namespace {

void bind_real(Statement& st, int i, double v) {
  if (std::isnan(v) || std::isinf(v)) st.bind_null(i);
  else st.bind(i, v);
}

}  // namespace

CleanTablesWriter::CleanTablesWriter(Database& db)
    : tx_(db),
      reading_(db,
               "INSERT INTO clean_readings(ts, machine, sensor, value, value_std, raw_rowid, origin, method) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      action_(db,
              "INSERT INTO clean_actions(step, machine, sensor, raw_rowid, ts, old_value, new_value, dropped, reason) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      metric_(db,
              "INSERT INTO clean_metrics(machine, sensor, phase, window_start, window_end, points, completeness, "
              "consistency, timeliness, validity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      aligned_(db, "INSERT INTO clean_aligned(machine, ts, sensor, value, n) VALUES (?, ?, ?, ?, ?)") {
  db.exec("DELETE FROM clean_readings; DELETE FROM clean_actions; DELETE FROM clean_metrics; DELETE FROM clean_aligned;");
}

void CleanTablesWriter::add(const CleanReadingRow& r) {
  reading_.bind(1, r.ts).bind_static(2, *r.machine).bind_static(3, *r.sensor);
  bind_real(reading_, 4, r.value);
  bind_real(reading_, 5, r.value_std);
  if (r.raw_rowid >= 0) reading_.bind(6, r.raw_rowid);
  else reading_.bind_null(6);
  reading_.bind(7, r.origin).bind(8, r.method).run();
}

void CleanTablesWriter::add(const CleanActionRow& a) {
  action_.bind(1, a.step).bind(2, a.machine).bind(3, a.sensor);
  if (a.raw_rowid >= 0) action_.bind(4, a.raw_rowid);
  else action_.bind_null(4);
  action_.bind(5, a.ts);
  bind_real(action_, 6, a.old_value);
  bind_real(action_, 7, a.new_value);
  action_.bind(8, a.dropped ? 1 : 0).bind(9, a.reason).run();
}

void CleanTablesWriter::add(const CleanMetricRow& m) {
  metric_.bind(1, m.machine).bind(2, m.sensor).bind(3, m.phase);
  if (m.window_start) metric_.bind(4, *m.window_start).bind(5, *m.window_end);
  else metric_.bind_null(4).bind_null(5);
  metric_.bind(6, m.points);
  bind_real(metric_, 7, m.completeness);
  bind_real(metric_, 8, m.consistency);
  bind_real(metric_, 9, m.timeliness);
  bind_real(metric_, 10, m.validity);
  metric_.run();
}

void CleanTablesWriter::add(const AlignedRow& a) {
  aligned_.bind(1, a.machine).bind(2, a.ts).bind(3, a.sensor);
  bind_real(aligned_, 4, a.value);
  aligned_.bind(5, a.n).run();
}

std::vector<AlignedRow> read_aligned_rows(Database& db) {
  std::vector<AlignedRow> rows;
  Statement q = db.prepare("SELECT machine, sensor, ts, value, n FROM clean_aligned ORDER BY machine, ts, sensor");
  while (q.step())
    rows.push_back({q.get_text(0), q.get_text(1), q.get_int(2), q.is_null(3) ? std::nan("") : q.get_double(3), q.get_int(4)});
  return rows;
}

std::vector<std::string> clean_aligned_sensors(Database& db) {
  Statement q = db.prepare("SELECT DISTINCT sensor FROM clean_aligned ORDER BY sensor");
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

void for_each_aligned_row(Database& db, const std::function<void(const AlignedRow&)>& fn) {
  Statement q = db.prepare("SELECT machine, sensor, ts, value, n FROM clean_aligned ORDER BY machine, ts, sensor");
  AlignedRow row;
  while (q.step()) {
    row.machine = q.get_text(0);
    row.sensor = q.get_text(1);
    row.ts = q.get_int(2);
    row.value = q.is_null(3) ? std::nan("") : q.get_double(3);
    row.n = q.get_int(4);
    fn(row);
  }
}

}  // namespace xinzhi::store
