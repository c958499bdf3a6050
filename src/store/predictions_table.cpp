#include "store/predictions_table.hpp"

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
  Statement del(db, "DELETE FROM alarms WHERE rule = ?");
  del.bind(1, rule).run();
  Statement ins(db, "INSERT OR REPLACE INTO alarms(machine, sensor, ts, score, rule, state) VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& a : alarms)
    ins.bind(1, a.machine).bind(2, a.sensor).bind(3, a.ts).bind(4, a.score).bind(5, rule).bind(6, a.state).run();
  tx.commit();
}

std::vector<Alarm> read_alarms(Database& db) {
  Statement q(db, "SELECT machine, sensor, ts, score, rule, state FROM alarms ORDER BY machine, sensor, ts");
  std::vector<Alarm> out;
  while (q.step()) out.push_back({q.get_text(0), q.get_text(1), q.get_int(2), q.get_double(3), q.get_text(4), q.get_text(5)});
  return out;
}

}  // namespace xinzhi::store
