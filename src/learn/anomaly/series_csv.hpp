// A single series in NAB's CSV layout (`timestamp,value` header, one reading a row, timestamps
// such as `2014-04-01 00:00:00`), as `xinzhi learn detect` and bench/learn/nab read it. Built on
// core's one CSV splitter and time parser. The columns are found by name, so extra columns and
// another order are fine; an empty value is a missing one (NaN).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xinzhi::learn {

struct SeriesCsv {
  std::vector<std::string> timestamps;  // as written, for output in the same form
  std::vector<std::int64_t> t_ms;
  std::vector<double> values;  // NaN where the value is empty
};

// Parses `text` (the contents of `file`, which names places in messages). An InputError with
// file:line for: no `timestamp` or `value` column, a row with too few fields, a timestamp that is
// not ISO-8601, a value that is not a number, a time earlier than the row before.
SeriesCsv parse_series_csv(std::string_view text, const std::string& file);
// Reads and parses a file.
SeriesCsv read_series_csv(const std::string& path);

}  // namespace xinzhi::learn
