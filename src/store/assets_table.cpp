#include "store/assets_table.hpp"

namespace xinzhi::store {

void register_machines(Database& db, const std::vector<MachineInfo>& machines) {
  Transaction tx(db);
  Statement up(db,
               "INSERT INTO machines(machine, type, gateway) VALUES (?, ?, ?) ON CONFLICT(machine) DO UPDATE SET "
               "type = excluded.type, gateway = excluded.gateway");
  for (const auto& m : machines) up.bind(1, m.machine).bind(2, m.type).bind(3, m.gateway).run();
  tx.commit();
}

void register_sensors(Database& db, const std::vector<SensorInfo>& sensors) {
  Transaction tx(db);
  Statement up(db,
               "INSERT INTO sensors(machine, sensor, unit, interval_ms, interval_source) VALUES (?, ?, ?, ?, 'register') "
               "ON CONFLICT(machine, sensor) DO UPDATE SET unit = excluded.unit, interval_ms = excluded.interval_ms, "
               "interval_source = 'register'");
  Statement machine(db, "INSERT OR IGNORE INTO machines(machine) VALUES (?)");
  for (const auto& s : sensors) {
    up.bind(1, s.machine).bind(2, s.sensor).bind(3, s.unit);
    if (s.interval_ms > 0) up.bind(4, s.interval_ms);
    else up.bind_null(4);
    up.run();
    machine.bind(1, s.machine).run();
  }
  tx.commit();
}

void record_series_seen(Database& db, const std::vector<SeriesSeen>& seen) {
  Statement up(db,
               "INSERT INTO sensors(machine, sensor, interval_ms, interval_source, readings, first_ts, last_ts) "
               "VALUES (?1, ?2, ?3, CASE WHEN ?3 IS NULL THEN NULL ELSE 'readings' END, ?4, ?5, ?6) "
               "ON CONFLICT(machine, sensor) DO UPDATE SET readings = readings + excluded.readings, "
               "first_ts = min(coalesce(first_ts, excluded.first_ts), excluded.first_ts), "
               "last_ts = max(coalesce(last_ts, excluded.last_ts), excluded.last_ts), "
               "interval_ms = coalesce(interval_ms, excluded.interval_ms), "
               "interval_source = coalesce(interval_source, excluded.interval_source)");
  Statement machine(db,
                    "INSERT INTO machines(machine, first_ts, last_ts) VALUES (?1, ?2, ?3) ON CONFLICT(machine) DO UPDATE "
                    "SET first_ts = min(coalesce(first_ts, excluded.first_ts), excluded.first_ts), "
                    "last_ts = max(coalesce(last_ts, excluded.last_ts), excluded.last_ts)");
  for (const auto& s : seen) {
    up.bind(1, s.machine).bind(2, s.sensor);
    if (s.interval_ms > 0) up.bind(3, s.interval_ms);
    else up.bind_null(3);
    up.bind(4, s.readings).bind(5, s.first_ts).bind(6, s.last_ts).run();
    machine.bind(1, s.machine).bind(2, s.first_ts).bind(3, s.last_ts).run();
  }
}

std::vector<MachineInfo> read_machines(Database& db) {
  std::vector<MachineInfo> out;
  Statement q(db, "SELECT machine, coalesce(type, ''), coalesce(gateway, '') FROM machines ORDER BY machine");
  while (q.step()) out.push_back({q.get_text(0), q.get_text(1), q.get_text(2)});
  return out;
}

std::vector<SensorInfo> read_sensors(Database& db) {
  std::vector<SensorInfo> out;
  Statement q(db,
              "SELECT machine, sensor, coalesce(unit, ''), coalesce(interval_ms, 0), coalesce(interval_source, ''), "
              "readings, first_ts, last_ts FROM sensors ORDER BY machine, sensor");
  while (q.step()) {
    SensorInfo s{q.get_text(0), q.get_text(1), q.get_text(2), q.get_int(3), q.get_text(4), q.get_int(5), {}, {}};
    if (!q.is_null(6)) s.first_ts = q.get_int(6);
    if (!q.is_null(7)) s.last_ts = q.get_int(7);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace xinzhi::store
