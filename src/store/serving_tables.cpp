#include "store/serving_tables.hpp"

#include "core/error.hpp"

namespace xinzhi::store {

namespace {
ApiToken token_from(Statement& q) {
  ApiToken t;
  t.id = q.get_int(0);
  t.name = q.get_text(1);
  t.role = q.get_text(2);
  t.prefix = q.get_text(3);
  t.salt = q.get_text(4);
  t.hash = q.get_text(5);
  t.created_ms = q.get_int(6);
  if (!q.is_null(7)) t.revoked_ms = q.get_int(7);
  return t;
}
constexpr const char* kTokenColumns = "id, name, role, prefix, salt, hash, created_ms, revoked_ms";
}  // namespace

void insert_api_token(Database& db, const ApiToken& t) {
  Statement exists(db, "SELECT 1 FROM api_tokens WHERE name = ?");
  exists.bind(1, t.name);
  if (exists.step()) throw InputError("name", "a token named '" + t.name + "' exists already (names stay unique, revoked ones too)");
  Statement ins(db, "INSERT INTO api_tokens(name, role, prefix, salt, hash, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, t.name).bind(2, t.role).bind(3, t.prefix).bind_blob(4, t.salt).bind_blob(5, t.hash).bind(6, t.created_ms);
  ins.run();
}

std::optional<ApiToken> find_api_token_by_prefix(Database& db, std::string_view prefix) {
  Statement q(db, std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE prefix = ?");
  q.bind(1, prefix);
  if (!q.step()) return std::nullopt;
  return token_from(q);
}

std::vector<ApiToken> list_api_tokens(Database& db) {
  Statement q(db, std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY id");
  std::vector<ApiToken> out;
  while (q.step()) out.push_back(token_from(q));
  return out;
}

bool revoke_api_token(Database& db, const std::string& name, TimestampMs now) {
  Statement q(db, "UPDATE api_tokens SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL");
  q.bind(1, now).bind(2, name);
  q.run();
  return db.changes() > 0;
}

std::int64_t count_valid_tokens(Database& db, const std::string& role) {
  Statement q(db, "SELECT count(*) FROM api_tokens WHERE revoked_ms IS NULL AND (? = '' OR role = ?)");
  q.bind(1, role).bind(2, role);
  return q.step() ? q.get_int(0) : 0;
}

void append_audit(Database& db, const AuditEntry& e) {
  Statement q(db, "INSERT INTO audit(ts, token, role, method, path, status, detail, remote) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  // A path or detail from a hostile client is kept, but not without bound.
  auto cut = [](const std::string& s) { return s.size() > 2048 ? s.substr(0, 2048) + "..." : s; };
  q.bind(1, e.ts).bind(2, e.token).bind(3, e.role).bind(4, e.method).bind(5, cut(e.path)).bind(6, e.status)
      .bind(7, cut(e.detail)).bind(8, e.remote);
  q.run();
}

std::vector<AuditEntry> read_audit(Database& db, int limit) {
  Statement q(db, "SELECT ts, token, role, method, path, status, detail, remote FROM audit ORDER BY id DESC LIMIT ?");
  q.bind(1, limit);
  std::vector<AuditEntry> out;
  while (q.step())
    out.push_back({q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4),
                   static_cast<int>(q.get_int(5)), q.get_text(6), q.get_text(7)});
  return out;
}

std::optional<StoredResponse> find_http_request(Database& db, const std::string& token, const std::string& key) {
  Statement q(db, "SELECT status, response FROM http_requests WHERE token = ? AND key = ?");
  q.bind(1, token).bind(2, key);
  if (!q.step()) return std::nullopt;
  return StoredResponse{static_cast<int>(q.get_int(0)), q.get_text(1)};
}

void record_http_request(Database& db, const std::string& token, const std::string& key, const StoredResponse& r,
                         TimestampMs now) {
  Statement q(db, "INSERT INTO http_requests(token, key, status, response, created_ms) VALUES (?, ?, ?, ?, ?)");
  q.bind(1, token).bind(2, key).bind(3, r.status).bind(4, r.body).bind(5, now);
  q.run();
}

std::int64_t write_schedule(Database& db, const StoredSchedule& s, TimestampMs now) {
  Transaction tx(db);
  Statement head(db, "INSERT INTO schedules(created_ms, origin_ms, objective, makespan_ms, weighted_tardiness, "
                     "fifo_makespan_ms, fifo_weighted_tardiness) VALUES (?, ?, ?, ?, ?, ?, ?)");
  head.bind(1, now).bind(2, s.origin_ms).bind(3, s.objective).bind(4, s.makespan_ms).bind(5, s.weighted_tardiness);
  if (s.fifo_makespan_ms) head.bind(6, *s.fifo_makespan_ms); else head.bind_null(6);
  if (s.fifo_weighted_tardiness) head.bind(7, *s.fifo_weighted_tardiness); else head.bind_null(7);
  head.run();
  const std::int64_t id = db.last_insert_rowid();
  Statement op(db, "INSERT INTO schedule_ops(schedule_id, order_id, step, machine, start_ms, end_ms, due_ms, weight) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& o : s.ops) {
    op.bind(1, id).bind(2, o.order_id).bind(3, o.step).bind(4, o.machine).bind(5, o.start_ms).bind(6, o.end_ms);
    if (o.due_ms) op.bind(7, *o.due_ms); else op.bind_null(7);
    op.bind(8, o.weight);
    op.run();
  }
  tx.commit();
  return id;
}

void append_alarms(Database& db, const std::vector<Alarm>& alarms) {
  Statement q(db, "INSERT OR IGNORE INTO alarms(machine, sensor, ts, score, rule, state) VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& a : alarms) {
    q.bind(1, a.machine).bind(2, a.sensor).bind(3, a.ts).bind(4, a.score).bind(5, a.rule).bind(6, a.state);
    q.run();
  }
}

int clear_open_alarms(Database& db, const std::string& machine, const std::string& sensor, const std::string& rule,
                      TimestampMs now) {
  Statement q(db, "UPDATE alarms SET state = 'cleared', changed_ms = ?, changed_by = 'server' "
                  "WHERE machine = ? AND sensor = ? AND rule = ? AND state = 'open'");
  q.bind(1, now).bind(2, machine).bind(3, sensor).bind(4, rule);
  q.run();
  return db.changes();
}

bool set_alarm_state(Database& db, std::int64_t id, const std::string& state, const std::string& by, TimestampMs now) {
  Statement q(db, "UPDATE alarms SET state = ?, changed_ms = ?, changed_by = ? WHERE id = ?");
  q.bind(1, state).bind(2, now).bind(3, by).bind(4, id);
  q.run();
  return db.changes() > 0;
}

}  // namespace xinzhi::store
