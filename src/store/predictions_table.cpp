#include "store/predictions_table.hpp"

#include <set>
#include <tuple>

namespace xinzhi::store {

void write_predictions(Database& db, const std::vector<Prediction>& predictions) {
  Transaction tx(db);
  Statement ins(db,
                "INSERT OR REPLACE INTO predictions(model, trained_from, trained_to, machine, ts, target, value, "
                "horizon_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& p : predictions)
    ins.bind(1, p.model).bind(2, p.trained_from).bind(3, p.trained_to).bind(4, p.machine).bind(5, p.ts)
        .bind(6, p.target).bind(7, p.value).bind(8, p.horizon_ms).run();
  tx.commit();
}

std::vector<Prediction> read_predictions(Database& db, const std::string& model) {
  Statement q(db,
              "SELECT model, trained_from, trained_to, machine, ts, target, value, horizon_ms FROM predictions "
              "WHERE ? = '' OR model = ? ORDER BY model, machine, ts, target");
  q.bind(1, model).bind(2, model);
  std::vector<Prediction> out;
  while (q.step())
    out.push_back({q.get_text(0), q.get_int(1), q.get_int(2), q.get_text(3), q.get_int(4), q.get_text(5),
                   q.get_double(6), q.get_int(7)});
  return out;
}

void replace_alarms(Database& db, const std::string& rule, const std::vector<Alarm>& alarms) {
  Transaction tx(db);
  // Alarms found again keep their id, state and who changed it (an operator's acknowledgement
  // survives a re-run of the detector); only their score is refreshed. Those not found again go.
  std::set<std::tuple<std::string, std::string, TimestampMs>> found;
  Statement upsert(db,
                   "INSERT INTO alarms(machine, sensor, ts, score, rule, state) VALUES (?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT(machine, sensor, ts, rule) DO UPDATE SET score = excluded.score");
  for (const auto& a : alarms) {
    upsert.bind(1, a.machine).bind(2, a.sensor).bind(3, a.ts).bind(4, a.score).bind(5, rule).bind(6, a.state).run();
    found.emplace(a.machine, a.sensor, a.ts);
  }
  std::vector<std::int64_t> gone;
  Statement all(db, "SELECT id, machine, sensor, ts FROM alarms WHERE rule = ?");
  all.bind(1, rule);
  while (all.step())
    if (!found.count({all.get_text(1), all.get_text(2), all.get_int(3)})) gone.push_back(all.get_int(0));
  Statement del(db, "DELETE FROM alarms WHERE id = ?");
  for (const std::int64_t id : gone) del.bind(1, id).run();
  tx.commit();
}

std::vector<Alarm> read_alarms(Database& db) {
  Statement q(db, "SELECT machine, sensor, ts, score, rule, state FROM alarms ORDER BY machine, sensor, ts");
  std::vector<Alarm> out;
  while (q.step()) out.push_back({q.get_text(0), q.get_text(1), q.get_int(2), q.get_double(3), q.get_text(4), q.get_text(5)});
  return out;
}

}  // namespace xinzhi::store
