#include "store/sources_table.hpp"

namespace xinzhi::store {

SourcePosition source_position(Database& db, const std::string& name, const std::string& kind) {
  Statement q = db.prepare("SELECT id, offset, line FROM sources WHERE name = ?");
  q.bind(1, name);
  if (q.step()) return {q.get_int(0), q.get_int(1), q.get_int(2)};
  Statement ins = db.prepare("INSERT INTO sources(kind, name) VALUES (?, ?)");
  ins.bind(1, kind).bind(2, name).run();
  return {db.last_insert_rowid(), 0, 0};
}

void record_file_chunk(Database& db, const SourcePosition& src, const FileChunk& c) {
  Statement chunk = db.prepare(
      "INSERT INTO ingest_chunks(source_id, first_line, last_line, first_rowid, last_rowid, rows) VALUES (?,?,?,?,?,?)");
  chunk.bind(1, src.id).bind(2, c.first_line).bind(3, c.last_line);
  if (c.first_rowid >= 0) chunk.bind(4, c.first_rowid).bind(5, c.last_rowid);
  else chunk.bind_null(4).bind_null(5);
  chunk.bind(6, c.rows).run();
  Statement up = db.prepare(
      "UPDATE sources SET offset = ?, line = ?, rows = rows + ?, quarantined = quarantined + ?, size = ?, "
      "updated_ms = ? WHERE id = ?");
  up.bind(1, c.end_offset).bind(2, c.last_line).bind(3, c.rows).bind(4, c.quarantined).bind(5, c.end_offset);
  up.bind(6, now_ms()).bind(7, src.id).run();
}

StreamSourceCounter::StreamSourceCounter(Database& db, std::string kind)
    : kind_(std::move(kind)),
      upsert_(db,
              "INSERT INTO sources(kind, name, offset, rows, quarantined, updated_ms) VALUES (?, ?, ?, ?, ?, ?) "
              "ON CONFLICT(name) DO UPDATE SET offset = offset + excluded.offset, rows = rows + excluded.rows, "
              "quarantined = quarantined + excluded.quarantined, updated_ms = excluded.updated_ms") {}

void StreamSourceCounter::add(const std::string& name, std::int64_t units, std::int64_t rows, std::int64_t quarantined,
                              TimestampMs now) {
  upsert_.bind(1, kind_).bind(2, name).bind(3, units).bind(4, rows).bind(5, quarantined).bind(6, now).run();
}

SourceRuns read_source_runs(Database& db) {
  SourceRuns runs;
  Statement q = db.prepare("SELECT first_rowid, source_id FROM ingest_chunks WHERE first_rowid IS NOT NULL ORDER BY first_rowid");
  while (q.step()) runs.emplace_back(q.get_int(0), q.get_int(1));
  return runs;
}

}  // namespace xinzhi::store
