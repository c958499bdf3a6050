#include "airquality.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace xinzhi::bench {

std::size_t WideSeries::missing() const {
  std::size_t n = 0;
  for (const auto& c : cols)
    for (double v : c) n += std::isnan(v);
  return n;
}

namespace {

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = line.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, p - start));
    start = p + 1;
  }
}

bool two_digits(std::string_view s, std::size_t at, int& out) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return false;
  out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

}  // namespace

WideSeries read_uci_airquality(const std::string& path) {
  const std::string text = read_file(path);
  WideSeries w;
  std::size_t pos = 0;
  long line_no = 0;
  std::vector<std::size_t> col_of;  // field index -> column
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto fields = split(line, ';');
    if (line_no == 1) {
      if (fields.size() < 3 || fields[0] != "Date" || fields[1] != "Time")
        throw InputError(place(path, 1, 1), "expected a header starting Date;Time;");
      for (std::size_t i = 2; i < fields.size(); ++i)
        if (!fields[i].empty()) {
          w.names.emplace_back(fields[i]);
          col_of.push_back(i);
        }
      w.cols.resize(w.names.size());
      continue;
    }
    bool any = false;
    for (auto f : fields) any = any || !f.empty();
    if (!any) {
      ++w.empty_rows;
      continue;
    }
    if (w.empty_rows > 0)
      throw InputError(place(path, line_no, 1), "a data row after the empty rows at the end");
    auto col_at = [&](std::size_t field) {
      long c = 1;
      for (std::size_t i = 0; i < field && i < fields.size(); ++i) c += static_cast<long>(fields[i].size()) + 1;
      return c;
    };
    if (fields.size() < col_of.back() + 1)
      throw InputError(place(path, line_no, 1), fmt::format("expected {} fields, got {}", col_of.back() + 1, fields.size()));
    int d, m, y1, y2, hh, mm, ss;
    const auto date = fields[0], time = fields[1];
    if (date.size() != 10 || date[2] != '/' || date[5] != '/' || !two_digits(date, 0, d) || !two_digits(date, 3, m) ||
        !two_digits(date, 6, y1) || !two_digits(date, 8, y2) || m < 1 || m > 12 || d < 1 || d > 31)
      throw InputError(place(path, line_no, 1), fmt::format("bad date '{}' (expected DD/MM/YYYY)", date));
    if (time.size() != 8 || time[2] != '.' || time[5] != '.' || !two_digits(time, 0, hh) || !two_digits(time, 3, mm) ||
        !two_digits(time, 6, ss) || hh > 23 || mm > 59 || ss > 59)
      throw InputError(place(path, line_no, col_at(1)), fmt::format("bad time '{}' (expected HH.MM.SS)", time));
    const std::int64_t days = days_from_civil(y1 * 100 + y2, static_cast<unsigned>(m), static_cast<unsigned>(d));
    w.ts.push_back(((days * 24 + hh) * 60 + mm) * 60000LL + ss * 1000LL);
    for (std::size_t c = 0; c < col_of.size(); ++c) {
      std::string value(fields[col_of[c]]);
      for (char& ch : value)
        if (ch == ',') ch = '.';  // decimal comma
      double v = std::numeric_limits<double>::quiet_NaN();
      if (!value.empty()) {
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size())
          throw InputError(place(path, line_no, col_at(col_of[c])),
                           fmt::format("{}: bad number '{}'", w.names[c], fields[col_of[c]]));
        if (v == -200) v = std::numeric_limits<double>::quiet_NaN();  // the data set's missing tag
      }
      w.cols[c].push_back(v);
    }
  }
  if (w.names.empty()) throw InputError(path, "empty file");
  return w;
}

}  // namespace xinzhi::bench
