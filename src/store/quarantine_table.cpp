#include "store/quarantine_table.hpp"

namespace xinzhi::store {

QuarantineAppender::QuarantineAppender(Database& db)
    : insert_(db, "INSERT INTO quarantine(source, place, raw, reason, stage, created_ms) VALUES (?, ?, ?, ?, ?, ?)") {}

void QuarantineAppender::append(const QuarantineRow& r, TimestampMs now) {
  insert_.bind(1, r.source).bind(2, r.place).bind_blob(3, std::string_view(r.raw).substr(0, 4096));
  insert_.bind(4, r.reason).bind(5, r.stage).bind(6, now).run();
}

std::vector<QuarantineReason> quarantine_by_reason(Database& db, const std::string& stage, int limit) {
  Statement q(db, std::string("SELECT reason, count(*), min(place) FROM quarantine") +
                      (stage.empty() ? "" : " WHERE stage = ?") + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?");
  int i = 1;
  if (!stage.empty()) q.bind(i++, stage);
  q.bind(i, limit);
  std::vector<QuarantineReason> out;
  while (q.step()) out.push_back({q.get_text(0), q.get_int(1), q.get_text(2)});
  return out;
}

std::vector<std::string> quarantined_sources(Database& db, const std::string& reason_prefix) {
  Statement q(db, "SELECT source FROM quarantine WHERE substr(reason, 1, length(?1)) = ?1 ORDER BY id");
  q.bind(1, reason_prefix);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

}  // namespace xinzhi::store
