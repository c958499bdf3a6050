#include "clean/gaps.hpp"

namespace xinzhi::clean {

std::size_t insert_gap_rows(Series& s, std::int64_t interval, std::int64_t max_gap_ms, std::size_t* inserted) {
  if (interval <= 0 || s.size() < 2) return 0;
  const std::int64_t limit = max_gap_ms > 0 ? max_gap_ms : 100 * interval;
  Series out;
  out.machine = s.machine, out.sensor = s.sensor;
  std::size_t gaps = 0, added = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0) {
      const std::int64_t d = s.ts[i] - s.ts[i - 1];
      if (d > interval && d % interval == 0 && d <= limit) {
        ++gaps;
        for (TimestampMs t = s.ts[i - 1] + interval; t < s.ts[i]; t += interval) {
          out.ts.push_back(t);
          out.value.push_back(kNaN);
          out.rowid.push_back(-1);
          out.flags.push_back(kInserted);
          out.method.emplace_back();
          ++added;
        }
      }
    }
    out.push_row_of(s, i);
  }
  s = std::move(out);
  if (inserted) *inserted = added;
  return gaps;
}

std::size_t count_gaps(const std::vector<TimestampMs>& ts, std::int64_t interval) {
  if (interval <= 0) return 0;
  std::size_t n = 0;
  for (std::size_t i = 1; i < ts.size(); ++i)
    if (static_cast<double>(ts[i] - ts[i - 1]) > 1.5 * static_cast<double>(interval)) ++n;
  return n;
}

}  // namespace xinzhi::clean
