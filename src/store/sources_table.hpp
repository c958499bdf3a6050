// The sources table (every input: a file, an MQTT subscription, a Modbus device, and how far it
// has been read) and ingest_chunks (which readings each file commit added: lineage from a
// reading's rowid back to its file lines). Writers are called inside the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

struct SourcePosition {
  std::int64_t id = 0;
  std::int64_t offset = 0, line = 0;  // bytes and lines committed so far
};

// The source named `name` (created with `kind` when new) and how far it has been read.
SourcePosition source_position(Database& db, const std::string& name, const std::string& kind);

// One committed chunk of a file: lines [first_line, last_line], readings rowids
// [first_rowid, last_rowid] (-1: none), and the file's new position.
struct FileChunk {
  std::int64_t first_line = 0, last_line = 0, first_rowid = -1, last_rowid = -1, rows = 0, quarantined = 0;
  std::int64_t end_offset = 0;
};
void record_file_chunk(Database& db, const SourcePosition& source, const FileChunk& chunk);

// Counters of a stream source (MQTT, Modbus): units are messages or polls.
class StreamSourceCounter {
 public:
  StreamSourceCounter(Database& db, std::string kind);
  void add(const std::string& name, std::int64_t units, std::int64_t rows, std::int64_t quarantined, TimestampMs now);

 private:
  std::string kind_;
  Statement upsert_;
};

// The file chunks as (first rowid, source id) runs, sorted by rowid: which source each reading
// came from (the cleaning judges lateness within a source's stream).
using SourceRuns = std::vector<std::pair<std::int64_t, std::int64_t>>;
SourceRuns read_source_runs(Database& db);

}  // namespace xinzhi::store
