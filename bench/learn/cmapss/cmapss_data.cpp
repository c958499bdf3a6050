#include "cmapss_data.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "number_field.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace xinzhi::bench {

namespace {

// The fields of a line split on single spaces (the files' separator); the trailing space of
// every line gives an empty last field, which is dropped.
bool fields_of(std::string_view line, std::vector<std::string_view>& fields, std::string& storage) {
  if (!split_csv(line, fields, storage, CsvDialect{.separator = ' '})) return false;
  while (!fields.empty() && fields.back().empty()) fields.pop_back();
  return true;
}

int whole(std::string_view f, const std::string& path, long line, std::size_t field) {
  const double v = number_field(f, path, line, field);
  if (v != std::floor(v) || v < 1 || v > 1e9)
    throw InputError(place(path, line), fmt::format("field {} should be a positive whole number: {}", field + 1,
                                                    quoted_excerpt(f)));
  return static_cast<int>(v);
}

}  // namespace

CmapssSet read_cmapss(const std::string& path) {
  const std::string text = read_file(path);
  CmapssSet set;
  std::vector<std::string_view> f;
  std::string storage;
  for_each_line(text, [&](long no, std::string_view line) {
    if (trim(line).empty()) return;
    if (!fields_of(line, f, storage)) throw InputError(place(path, no), "a quote does not close");
    if (f.size() != 26)
      throw InputError(place(path, no), fmt::format("expected 26 space-separated fields, found {}", f.size()));
    CmapssRow r;
    r.unit = whole(f[0], path, no, 0);
    r.cycle = whole(f[1], path, no, 1);
    for (std::size_t i = 0; i < 3; ++i) r.setting[i] = number_field(f[2 + i], path, no, 2 + i);
    for (std::size_t i = 0; i < 21; ++i) r.sensor[i] = number_field(f[5 + i], path, no, 5 + i);
    const std::size_t at = set.rows.size();
    if (set.units.empty() || set.rows.back().unit != r.unit) {
      for (const auto& [b, e] : set.units)
        if (set.rows[b].unit == r.unit)
          throw InputError(place(path, no), fmt::format("unit {} comes back after other units", r.unit));
      set.units.emplace_back(at, at);
    } else if (r.cycle <= set.rows.back().cycle) {
      throw InputError(place(path, no), fmt::format("unit {}: cycle {} after cycle {}", r.unit, r.cycle,
                                                    set.rows.back().cycle));
    }
    set.rows.push_back(r);
    set.units.back().second = at + 1;
  });
  if (set.rows.empty()) throw InputError(path, "no rows");
  return set;
}

std::vector<double> read_cmapss_rul(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<double> rul;
  std::vector<std::string_view> f;
  std::string storage;
  for_each_line(text, [&](long no, std::string_view line) {
    if (trim(line).empty()) return;
    if (!fields_of(line, f, storage)) throw InputError(place(path, no), "a quote does not close");
    if (f.size() != 1) throw InputError(place(path, no), fmt::format("expected one number, found {} fields", f.size()));
    rul.push_back(number_field(f[0], path, no, 0));
  });
  if (rul.empty()) throw InputError(path, "no rows");
  return rul;
}

}  // namespace xinzhi::bench
