#include "store/downtime_table.hpp"

#include <algorithm>

namespace xinzhi::store {

void replace_downtime(Database& db, const std::string& source, const std::vector<DowntimeWindow>& windows) {
  Transaction tx(db);
  Statement del(db, "DELETE FROM downtime_windows WHERE source = ?");
  del.bind(1, source).run();
  Statement ins(db,
                "INSERT OR REPLACE INTO downtime_windows(machine, start_ms, end_ms, kind, source, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& w : windows) {
    ins.bind(1, w.machine).bind(2, w.start);
    if (w.end) ins.bind(3, *w.end);
    else ins.bind_null(3);
    ins.bind(4, w.kind).bind(5, source).bind(6, w.detail).run();
  }
  tx.commit();
}

std::vector<DowntimeWindow> read_downtime(Database& db, const std::vector<std::string>& kinds) {
  Statement q(db, "SELECT machine, start_ms, end_ms, kind, source, detail FROM downtime_windows ORDER BY machine, start_ms, id");
  std::vector<DowntimeWindow> out;
  while (q.step()) {
    DowntimeWindow w;
    w.kind = q.get_text(3);
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), w.kind) == kinds.end()) continue;
    w.machine = q.get_text(0);
    w.start = q.get_int(1);
    if (!q.is_null(2)) w.end = q.get_int(2);
    w.source = q.get_text(4);
    w.detail = q.get_text(5);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace xinzhi::store
