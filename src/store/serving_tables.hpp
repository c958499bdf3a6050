// The server's tables (src/serve): API tokens (salted hashes only), the audit trail, the
// idempotency keys of HTTP writes, and alarm state changes. The hashing itself is the server's
// (serve/tokens.hpp); here the rows are kept and found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "store/predictions_table.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct ApiToken {
  std::int64_t id = 0;
  std::string name, role, prefix;
  std::string salt, hash;  // bytes
  TimestampMs created_ms = 0;
  std::optional<TimestampMs> revoked_ms;
};

// Throws InputError("name", ...) when a token of that name exists (revoked ones too: names stay
// unique in the audit trail).
void insert_api_token(Database& db, const ApiToken& token);
std::optional<ApiToken> find_api_token_by_prefix(Database& db, std::string_view prefix);
std::vector<ApiToken> list_api_tokens(Database& db);
// Revokes a valid token by name; false when there is none (or it was revoked already).
bool revoke_api_token(Database& db, const std::string& name, TimestampMs now);
std::int64_t count_valid_tokens(Database& db, const std::string& role = "");

struct AuditEntry {
  TimestampMs ts = 0;
  std::string token, role, method, path;
  int status = 0;
  std::string detail, remote;
};
void append_audit(Database& db, const AuditEntry& e);
// The latest entries first.
std::vector<AuditEntry> read_audit(Database& db, int limit = 100);

struct StoredResponse {
  int status = 0;
  std::string body;
};
std::optional<StoredResponse> find_http_request(Database& db, const std::string& token, const std::string& key);
void record_http_request(Database& db, const std::string& token, const std::string& key, const StoredResponse& r,
                         TimestampMs now);

// A plan as the warehouse keeps it (schedules, schedule_ops).
struct StoredSchedule {
  TimestampMs origin_ms = 0;
  std::string objective;
  std::int64_t makespan_ms = 0;
  double weighted_tardiness = 0;
  std::optional<std::int64_t> fifo_makespan_ms;
  std::optional<double> fifo_weighted_tardiness;
  struct Op {
    std::string order_id, machine;
    int step = 0;
    TimestampMs start_ms = 0, end_ms = 0;
    std::optional<TimestampMs> due_ms;
    double weight = 1;
  };
  std::vector<Op> ops;
};
// Stores a plan (one transaction); returns its id.
std::int64_t write_schedule(Database& db, const StoredSchedule& s, TimestampMs now);

// Adds alarms (one already there, same machine, sensor, time and rule, is left as it is).
void append_alarms(Database& db, const std::vector<Alarm>& alarms);
// Clears a series' open alarms of a rule (its condition ended); returns how many.
int clear_open_alarms(Database& db, const std::string& machine, const std::string& sensor, const std::string& rule,
                      TimestampMs now);

// An alarm's state change by id; false when no alarm has that id. state: acknowledged, cleared.
bool set_alarm_state(Database& db, std::int64_t id, const std::string& state, const std::string& by, TimestampMs now);

}  // namespace xinzhi::store
