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

// Adds alarms (one already there, same machine, sensor, time and rule, is left as it is).
void append_alarms(Database& db, const std::vector<Alarm>& alarms);
// Clears a series' open alarms of a rule (its condition ended); returns how many.
int clear_open_alarms(Database& db, const std::string& machine, const std::string& sensor, const std::string& rule,
                      TimestampMs now);

// An alarm's state change by id; false when no alarm has that id. state: acknowledged, cleared.
bool set_alarm_state(Database& db, std::int64_t id, const std::string& state, const std::string& by, TimestampMs now);

}  // namespace xinzhi::store
