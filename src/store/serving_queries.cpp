#include "store/serving_queries.hpp"

#include <algorithm>
#include <limits>

#include <sqlite3.h>

#include "store/maintenance_log.hpp"
#include "store/quarantine_table.hpp"

namespace xinzhi::store {

void ensure_serving_indexes(Database& db) {
  db.exec("CREATE INDEX IF NOT EXISTS readings_series ON readings(machine, sensor, ts)");
}

SeriesQueries::SeriesQueries(Database& db)
    : sensors_(db, "SELECT sensor FROM sensors WHERE machine = ? ORDER BY sensor"),
      last_(db, "SELECT ts, value FROM readings WHERE machine = ? AND sensor = ? ORDER BY ts DESC LIMIT 1"),
      max_rowid_(db, "SELECT max(rowid) FROM readings") {}

std::int64_t SeriesQueries::max_rowid() {
  max_rowid_.reset();
  const std::int64_t v = max_rowid_.step() && !max_rowid_.is_null(0) ? max_rowid_.get_int(0) : 0;
  max_rowid_.reset();
  return v;
}

SeriesValues read_series_values(Database& db, const std::string& machine, const std::string& sensor,
                                std::int64_t up_to_rowid) {
  Statement q(db, "SELECT ts, value FROM readings WHERE machine = ? AND sensor = ? AND rowid <= ? "
                  "AND value IS NOT NULL ORDER BY ts");
  q.bind(1, machine).bind(2, sensor).bind(3, up_to_rowid);
  SeriesValues out;
  while (q.step()) {
    out.ts.push_back(q.get_int(0));
    out.value.push_back(q.get_double(1));
  }
  return out;
}

std::vector<NewReading> read_readings_between(Database& db, std::int64_t after, std::int64_t up_to) {
  Statement q(db, "SELECT rowid, ts, machine, sensor, value FROM readings WHERE rowid > ? AND rowid <= ? "
                  "AND value IS NOT NULL ORDER BY rowid");
  q.bind(1, after).bind(2, up_to);
  std::vector<NewReading> out;
  while (q.step()) out.push_back({q.get_int(0), q.get_int(1), q.get_text(2), q.get_text(3), q.get_double(4)});
  return out;
}

std::vector<LatestReading> SeriesQueries::latest(const std::string& machine) {
  std::vector<LatestReading> out;
  sensors_.reset();
  sensors_.bind_static(1, machine);
  while (sensors_.step()) out.push_back({sensors_.get_text(0), 0, std::nullopt});
  sensors_.reset();
  for (auto& l : out) {
    last_.reset();
    last_.bind_static(1, machine).bind_static(2, l.sensor);
    if (last_.step()) {
      l.ts = last_.get_int(0);
      if (!last_.is_null(1)) l.value = last_.get_double(1);
    }
    last_.reset();
  }
  return out;
}

nlohmann::json rows_json(Statement& q) {
  nlohmann::json rows = nlohmann::json::array();
  const int n = q.column_count();
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(q.column_name(i));
  while (q.step()) {
    nlohmann::json row = nlohmann::json::object();
    for (int i = 0; i < n; ++i) {
      switch (q.column_type(i)) {
        case SQLITE_INTEGER: row[names[i]] = q.get_int(i); break;
        case SQLITE_FLOAT: row[names[i]] = q.get_double(i); break;
        case SQLITE_NULL: row[names[i]] = nullptr; break;
        default: row[names[i]] = q.get_text(i); break;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json machines_json(Database& db) {
  Statement q(db,
              "SELECT m.machine, m.type, m.gateway, m.first_ts, m.last_ts, "
              "(SELECT count(*) FROM sensors s WHERE s.machine = m.machine) AS sensors, "
              "(SELECT count(*) FROM alarms a WHERE a.machine = m.machine AND a.state = 'open') AS open_alarms "
              "FROM machines m ORDER BY m.machine");
  return rows_json(q);
}

nlohmann::json sensors_json(Database& db, const std::string& machine) {
  Statement q(db,
              "SELECT machine, sensor, unit, interval_ms, interval_source, readings, first_ts, last_ts FROM sensors "
              "WHERE ? = '' OR machine = ? ORDER BY machine, sensor");
  q.bind(1, machine).bind(2, machine);
  return rows_json(q);
}

nlohmann::json quality_json(Database& db, const std::string& machine) {
  Statement q(db,
              "SELECT machine, sensor, phase, sum(points) AS points, "
              "sum(completeness * points) / sum(points) AS completeness, "
              "sum(consistency * points) / sum(points) AS consistency, "
              "sum(timeliness * points) / sum(points) AS timeliness, "
              "sum(validity * points) / sum(points) AS validity "
              "FROM clean_metrics WHERE (? = '' OR machine = ?) AND points > 0 "
              "GROUP BY machine, sensor, phase ORDER BY machine, sensor, phase");
  q.bind(1, machine).bind(2, machine);
  return rows_json(q);
}

nlohmann::json quarantine_json(Database& db, int limit, std::int64_t before_id) {
  nlohmann::json by = nlohmann::json::array();
  for (const auto& r : quarantine_by_reason(db, "", 50))
    by.push_back({{"reason", r.reason}, {"count", r.count}, {"first_place", r.first_place}});
  Statement rows(db, "SELECT id, source, place, substr(raw, 1, 512) AS raw, reason, stage, created_ms FROM quarantine "
                     "WHERE id < ? ORDER BY id DESC LIMIT ?");
  rows.bind(1, before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max()).bind(2, limit);
  return {{"by_reason", by}, {"rows", rows_json(rows)},
          {"total", query_int(db, "SELECT count(*) FROM quarantine").value_or(0)}};
}

nlohmann::json predictions_json(Database& db, const std::string& machine) {
  // The latest prediction per model, machine and target.
  Statement q(db,
              "SELECT p.model, p.machine, p.ts, p.target, p.value, p.horizon_ms, p.trained_from, p.trained_to "
              "FROM predictions p WHERE (? = '' OR p.machine = ?) AND p.ts = (SELECT max(ts) FROM predictions q "
              "WHERE q.model = p.model AND q.machine = p.machine AND q.target = p.target) "
              "ORDER BY p.machine, p.model, p.target");
  q.bind(1, machine).bind(2, machine);
  return rows_json(q);
}

nlohmann::json alarms_json(Database& db, const std::string& state, const std::string& machine, int limit) {
  Statement q(db,
              "SELECT id, machine, sensor, ts, score, rule, state, changed_ms, changed_by FROM alarms "
              "WHERE (? = '' OR state = ?) AND (? = '' OR machine = ?) ORDER BY ts DESC LIMIT ?");
  q.bind(1, state).bind(2, state).bind(3, machine).bind(4, machine).bind(5, limit);
  return rows_json(q);
}

nlohmann::json alarms_between_json(Database& db, std::int64_t after, std::int64_t to) {
  Statement q(db, "SELECT id, machine, sensor, ts, score, rule, state FROM alarms WHERE id > ? AND id <= ? ORDER BY id");
  q.bind(1, after).bind(2, to);
  return rows_json(q);
}

std::optional<nlohmann::json> latest_schedule_json(Database& db) {
  Statement h(db, "SELECT id, created_ms, origin_ms, objective, makespan_ms, weighted_tardiness, fifo_makespan_ms, "
                  "fifo_weighted_tardiness FROM schedules ORDER BY id DESC LIMIT 1");
  nlohmann::json head = rows_json(h);
  if (head.empty()) return std::nullopt;
  nlohmann::json s = head[0];
  Statement ops(db, "SELECT order_id, step, machine, start_ms, end_ms, due_ms, weight FROM schedule_ops "
                    "WHERE schedule_id = ? ORDER BY machine, start_ms");
  ops.bind(1, s["id"].get<std::int64_t>());
  s["ops"] = rows_json(ops);
  return s;
}

nlohmann::json cleaning_json(Database& db, const std::string& machine, const std::string& sensor, int limit) {
  Statement actions(db, "SELECT step, ts, old_value, new_value, dropped, reason FROM clean_actions "
                        "WHERE machine = ? AND sensor = ? AND step NOT IN ('reorder') ORDER BY ts LIMIT ?");
  actions.bind(1, machine).bind(2, sensor).bind(3, limit);
  Statement imputed(db, "SELECT ts, value, method FROM clean_readings WHERE machine = ? AND sensor = ? "
                        "AND origin = 'imputed' ORDER BY ts LIMIT ?");
  imputed.bind(1, machine).bind(2, sensor).bind(3, limit);
  return {{"machine", machine}, {"sensor", sensor}, {"actions", rows_json(actions)}, {"imputed", rows_json(imputed)}};
}

nlohmann::json breakdowns_json(Database& db, const std::string& machine) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& b : read_breakdowns(db))
    if (machine.empty() || b.machine == machine)
      out.push_back({{"machine", b.machine}, {"reported_ms", b.reported},
                     {"repaired_ms", b.repaired ? nlohmann::json(*b.repaired) : nlohmann::json(nullptr)}, {"fault", b.fault}});
  return out;
}

nlohmann::json runs_json(Database& db, int limit) {
  Statement q(db, "SELECT id, name, folder, started_ms, finished_ms, status FROM runs ORDER BY id DESC LIMIT ?");
  q.bind(1, limit);
  return rows_json(q);
}

std::optional<nlohmann::json> run_json(Database& db, std::int64_t id) {
  Statement q(db, "SELECT id, name, folder, started_ms, finished_ms, status, metrics FROM runs WHERE id = ?");
  q.bind(1, id);
  nlohmann::json rows = rows_json(q);
  if (rows.empty()) return std::nullopt;
  nlohmann::json r = rows[0];
  if (r["metrics"].is_string()) {
    auto parsed = nlohmann::json::parse(r["metrics"].get<std::string>(), nullptr, false);
    r["metrics"] = parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
  }
  return r;
}

nlohmann::json downtime_json(Database& db, TimestampMs from, TimestampMs to) {
  Statement q(db,
              "SELECT machine, start_ms, end_ms, kind, source, detail FROM downtime_windows "
              "WHERE start_ms < ? AND (end_ms IS NULL OR end_ms > ?) ORDER BY machine, start_ms");
  q.bind(1, to).bind(2, from);
  return rows_json(q);
}

}  // namespace xinzhi::store
