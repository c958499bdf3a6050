#include "store/raw_series.hpp"

#include <cmath>

namespace xinzhi::store {

std::vector<RawSeries> read_raw_series(Database& db) {
  std::vector<RawSeries> raw;
  Statement q = db.prepare("SELECT rowid, ts, machine, sensor, value, received FROM readings ORDER BY machine, sensor, rowid");
  std::vector<bool> stamped;
  while (q.step()) {
    std::string machine = q.get_text(2), sensor = q.get_text(3);
    if (raw.empty() || raw.back().machine != machine || raw.back().sensor != sensor) {
      raw.emplace_back();
      raw.back().machine = std::move(machine);
      raw.back().sensor = std::move(sensor);
      stamped.push_back(false);
    }
    RawSeries& s = raw.back();
    s.rowid.push_back(q.get_int(0));
    s.ts.push_back(q.get_int(1));
    s.value.push_back(q.is_null(4) ? std::nan("") : q.get_double(4));
    s.received.push_back(q.is_null(5) ? kNoArrivalStamp : q.get_int(5));
    if (!q.is_null(5)) stamped.back() = true;
  }
  for (std::size_t k = 0; k < raw.size(); ++k)
    if (!stamped[k]) raw[k].received.clear();  // no stamps: keep no column of them
  return raw;
}

}  // namespace xinzhi::store
