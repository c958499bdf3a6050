#include "learn/anomaly/series_csv.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "core/time.hpp"

namespace xinzhi::learn {

SeriesCsv parse_series_csv(std::string_view text, const std::string& file) {
  SeriesCsv out;
  std::vector<std::string_view> fields;
  std::string storage;
  long ts_col = -1, value_col = -1;
  bool header = true;
  for_each_line(text, [&](long line, std::string_view row) {
    if (line == 1 && row.substr(0, 3) == "\xEF\xBB\xBF") row.remove_prefix(3);  // a UTF-8 byte-order mark
    if (row.empty() && !header) return;
    if (!split_csv(row, fields, storage)) throw InputError(place(file, line), "unbalanced quotes");
    if (header) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string_view f = trim(fields[i]);
        if (f == "timestamp") ts_col = static_cast<long>(i);
        if (f == "value") value_col = static_cast<long>(i);
      }
      if (ts_col < 0 || value_col < 0)
        throw InputError(place(file, line), fmt::format("the header needs columns 'timestamp' and 'value' (it has '{}')", row));
      header = false;
      return;
    }
    const auto need = static_cast<std::size_t>(std::max(ts_col, value_col)) + 1;
    if (fields.size() < need)
      throw InputError(place(file, line), fmt::format("{} fields, the header names {} columns", fields.size(), need));
    const std::string_view ts = trim(fields[static_cast<std::size_t>(ts_col)]);
    const auto t = parse_iso8601(ts);
    if (!t) throw InputError(place(file, line), fmt::format("timestamp '{}' is not a date and time such as 2014-04-01 00:00:00", ts));
    if (!out.t_ms.empty() && *t < out.t_ms.back())
      throw InputError(place(file, line), fmt::format("time goes backwards: {} after {}", ts, out.timestamps.back()));
    const std::string_view vt = trim(fields[static_cast<std::size_t>(value_col)]);
    double v = std::numeric_limits<double>::quiet_NaN();
    if (!vt.empty()) {
      const auto [end, ec] = std::from_chars(vt.data(), vt.data() + vt.size(), v);
      if (ec != std::errc() || end != vt.data() + vt.size() || !std::isfinite(v))
        throw InputError(place(file, line), fmt::format("value '{}' is not a number", vt));
    }
    out.timestamps.emplace_back(ts);
    out.t_ms.push_back(*t);
    out.values.push_back(v);
  });
  if (header) throw InputError(file, "empty: expected a header 'timestamp,value'");
  return out;
}

SeriesCsv read_series_csv(const std::string& path) { return parse_series_csv(read_file(path), path); }

}  // namespace xinzhi::learn
