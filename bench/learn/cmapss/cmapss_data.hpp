// Reader for NASA C-MAPSS files as published (train_FD00x.txt, test_FD00x.txt, RUL_FD00x.txt):
// space-separated numbers without a header, a trailing space on every line; 26 columns (unit,
// cycle, three operating settings, 21 sensors) or one (the true RUL per test engine). Rows are
// kept in file order, which is unit by unit and cycle by cycle. Benchmark code, not product.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace xinzhi::bench {

struct CmapssRow {
  int unit = 0;
  int cycle = 0;
  std::array<double, 3> setting{};
  std::array<double, 21> sensor{};  // sensor[0] is s1
};

struct CmapssSet {
  std::vector<CmapssRow> rows;
  // [begin, end) row ranges of each unit, in file order.
  std::vector<std::pair<std::size_t, std::size_t>> units;
};

// Throws InputError naming file:line for a line without 26 fields, a field that is not a
// number, a unit that comes back after another, or cycles that do not increase within a unit.
CmapssSet read_cmapss(const std::string& path);
// One number per line (RUL_FD00x.txt); InputError naming file:line otherwise.
std::vector<double> read_cmapss_rul(const std::string& path);

}  // namespace xinzhi::bench
