#include "store/maintenance_log.hpp"

namespace xinzhi::store {

std::vector<Breakdown> read_breakdowns(Database& db) {
  Statement q(db,
              "SELECT machine, ts, kind, coalesce(label, '') FROM text_records "
              "WHERE kind IN ('fault', 'repair') AND machine IS NOT NULL AND ts IS NOT NULL "
              "ORDER BY machine, ts, id");
  std::vector<Breakdown> out;
  while (q.step()) {
    const std::string machine = q.get_text(0), kind = q.get_text(2);
    const TimestampMs ts = q.get_int(1);
    if (kind == "fault") {
      // A second fault report while one is open is the same breakdown reported again.
      if (!out.empty() && out.back().machine == machine && !out.back().repaired) continue;
      out.push_back({machine, ts, std::nullopt, q.get_text(3)});
    } else if (!out.empty() && out.back().machine == machine && !out.back().repaired) {
      out.back().repaired = ts;
    }
  }
  return out;
}

std::optional<double> mean_repair_hours(const std::vector<Breakdown>& breakdowns, TimestampMs up_to) {
  double hours = 0, n = 0;
  for (const auto& b : breakdowns)
    if (b.repaired && *b.repaired <= up_to) {
      hours += static_cast<double>(*b.repaired - b.reported) / 3'600'000.0;
      ++n;
    }
  if (n == 0) return std::nullopt;
  return hours / n;
}

}  // namespace xinzhi::store
