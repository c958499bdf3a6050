// UCI Air Quality imputation benchmark. `mask FILE MASK.csv SEED` hides 10% of the known values
// (a fixed seed) and writes them as row,column; `eval FILE MASK.csv PANDAS.csv [METHOD...]`
// imputes the masked file with our methods and prints the MAE per column next to pandas'
// interpolate(method="time") fills (PANDAS.csv: row,column,value from pandas_airquality.py) on
// the same cells.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "airquality.hpp"
#include "clean/impute.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"

using namespace xinzhi;
using namespace xinzhi::clean;
using namespace xinzhi::bench;

namespace {

struct Cell {
  std::size_t row, col;
};

std::vector<Cell> read_mask(const std::string& path, const WideSeries& w) {
  std::vector<Cell> cells;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    const std::string name = line.substr(comma + 1);
    const auto it = std::find(w.names.begin(), w.names.end(), name);
    if (it == w.names.end()) throw InputError(path, "unknown column " + name);
    cells.push_back({std::stoul(line.substr(0, comma)), static_cast<std::size_t>(it - w.names.begin())});
  }
  return cells;
}

int mask(const std::string& file, const std::string& out, unsigned long seed) {
  const WideSeries w = read_uci_airquality(file);
  std::vector<Cell> known;
  for (std::size_t c = 0; c < w.cols.size(); ++c)
    for (std::size_t r = 0; r < w.ts.size(); ++r)
      if (!std::isnan(w.cols[c][r])) known.push_back({r, c});
  std::mt19937_64 rng(seed);
  std::shuffle(known.begin(), known.end(), rng);
  known.resize(known.size() / 10);
  std::sort(known.begin(), known.end(), [](const Cell& a, const Cell& b) { return a.col != b.col ? a.col < b.col : a.row < b.row; });
  std::string text = "row,column\n";
  for (const auto& c : known) text += fmt::format("{},{}\n", c.row, w.names[c.col]);
  write_file_atomic(out, text);
  std::printf("airquality: %zu rows, %zu missing cells as published, %zu known cells masked (seed %lu)\n", w.ts.size(),
              w.missing(), known.size(), seed);
  return 0;
}

int eval(const std::string& file, const std::string& mask_path, const std::string& pandas_path,
         std::vector<std::string> methods) {
  const WideSeries w = read_uci_airquality(file);
  const auto cells = read_mask(mask_path, w);
  std::map<std::pair<std::size_t, std::size_t>, double> pandas;
  {
    std::istringstream in(read_file(pandas_path));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const auto c1 = line.find(','), c2 = line.rfind(',');
      const std::string name = line.substr(c1 + 1, c2 - c1 - 1), value = line.substr(c2 + 1);
      const auto it = std::find(w.names.begin(), w.names.end(), name);
      if (it == w.names.end() || value.empty()) continue;
      pandas[{std::stoul(line.substr(0, c1)), static_cast<std::size_t>(it - w.names.begin())}] = std::stod(value);
    }
  }
  WideSeries masked = w;
  for (const auto& c : cells) masked.cols[c.col][c.row] = std::nan("");
  if (methods.empty()) methods = {"correlated", "time_linear", "seasonal"};
  std::map<std::string, std::vector<std::vector<double>>> filled;
  for (const auto& name : methods) {
    ImputeOptions o;
    if (!parse_impute_method(name, o.method)) throw UsageError("unknown method " + name);
    o.max_gap_ms = 0;  // like pandas: every inside gap is filled
    auto cols = masked.cols;
    impute_columns(masked.ts, cols, std::vector<ImputeOptions>(cols.size(), o));
    filled[name] = std::move(cols);
  }
  std::printf("%-14s %6s %12s", "column", "cells", "pandas_time");
  for (const auto& m : methods) std::printf(" %12s", m.c_str());
  std::printf(" %8s\n", "ratio");
  int wins = 0, columns = 0;
  double total_ours = 0, total_pd = 0;
  for (std::size_t c = 0; c < w.names.size(); ++c) {
    std::vector<double> sum(methods.size(), 0);
    double sum_pd = 0;
    std::size_t n = 0;
    for (const auto& cell : cells) {
      if (cell.col != c) continue;
      const auto it = pandas.find({cell.row, cell.col});
      if (it == pandas.end()) continue;  // pandas leaves leading/trailing gaps empty
      bool all = true;
      for (const auto& m : methods) all = all && !std::isnan(filled[m][c][cell.row]);
      if (!all) continue;
      const double truth = w.cols[c][cell.row];
      sum_pd += std::abs(it->second - truth);
      for (std::size_t k = 0; k < methods.size(); ++k) sum[k] += std::abs(filled[methods[k]][c][cell.row] - truth);
      ++n;
    }
    if (n == 0) continue;
    const double mae_pd = sum_pd / static_cast<double>(n), mae_ours = sum[0] / static_cast<double>(n);
    std::printf("%-14s %6zu %12.4f", w.names[c].c_str(), n, mae_pd);
    for (std::size_t k = 0; k < methods.size(); ++k) std::printf(" %12.4f", sum[k] / static_cast<double>(n));
    std::printf(" %8.4f\n", mae_pd > 0 ? mae_ours / mae_pd : 0.0);
    ++columns;
    wins += mae_ours < mae_pd;
    total_ours += mae_ours / (mae_pd > 0 ? mae_pd : 1);
    total_pd += 1;
  }
  std::printf("ours (%s) lower MAE than pandas interpolate(method=\"time\") on %d of %d columns; mean MAE ratio %.3f\n",
              methods[0].c_str(), wins, columns, total_ours / total_pd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "mask" && argc == 5) return mask(argv[2], argv[3], std::stoul(argv[4]));
    if (cmd == "eval" && argc >= 5) return eval(argv[2], argv[3], argv[4], std::vector<std::string>(argv + 5, argv + argc));
    std::fprintf(stderr, "usage: clean_airquality_bench mask FILE MASK.csv SEED | eval FILE MASK.csv PANDAS.csv [METHOD...]\n");
    return 1;
  } catch (const xinzhi::Error& e) {
    std::fprintf(stderr, "clean_airquality_bench: %s\n", e.what());
    return xinzhi::exit_code(e.kind());
  }
}
