// The quarantine: input that could not be used, with where it came from and why. Every stage
// that refuses input writes it here and counts it, so nothing is lost silently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct QuarantineRow {
  std::string source;  // file path, topic, device
  std::string place;   // file:line, topic/offset
  std::string raw;     // the input as it was (truncated to 4 KiB when stored)
  std::string reason;
  std::string stage;   // ingest, mqtt, clean, ...
};

class QuarantineAppender {
 public:
  explicit QuarantineAppender(Database& db);
  void append(const QuarantineRow& row, TimestampMs now);

 private:
  Statement insert_;
};

// Quarantined rows by reason for one stage ("" = all): (reason, count, first place), most first.
struct QuarantineReason {
  std::string reason;
  std::int64_t count = 0;
  std::string first_place;
};
std::vector<QuarantineReason> quarantine_by_reason(Database& db, const std::string& stage = "", int limit = 20);

// The sources of the quarantined rows whose reason starts with reason_prefix, one per row.
std::vector<std::string> quarantined_sources(Database& db, const std::string& reason_prefix);

}  // namespace xinzhi::store
