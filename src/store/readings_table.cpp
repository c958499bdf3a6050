#include "store/readings_table.hpp"

namespace xinzhi::store {

ReadingAppender::ReadingAppender(Database& db)
    : db_(db), insert_(db, "INSERT INTO readings(ts, machine, sensor, value, received) VALUES (?, ?, ?, ?, ?)") {}

std::int64_t ReadingAppender::append(const Reading& r) {
  insert_.bind(1, r.ts).bind_static(2, r.machine).bind_static(3, r.sensor);
  if (r.value) insert_.bind(4, *r.value);
  else insert_.bind_null(4);
  if (r.received) insert_.bind(5, *r.received);
  else insert_.bind_null(5);
  insert_.run();
  return db_.last_insert_rowid();
}

}  // namespace xinzhi::store
