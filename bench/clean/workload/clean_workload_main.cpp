// clean_workload IN.csv OUT.csv [--threads N] [--stats]: the cleaning workload of
// bench/clean/run (see workload.hpp), measured against ../shared/peers/pandas_clean.py.
// Exit codes: 0 ok, 1 usage, 2 bad input (rows the landing grammar refused: the output holds
// the others, and the first refused row is named with file:line and its reason).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/logging.hpp"
#include "core/progress.hpp"
#include "workload.hpp"

int main(int argc, char** argv) {
  xinzhi::bench::WorkloadOptions o;
  bool stats = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) o.threads = std::max(1, std::atoi(argv[++i]));
    else if (a == "--stats") stats = true;
    else if (a == "--quiet") xinzhi::Progress::set_quiet(true);
    else if (a == "-h" || a == "--help" || a.rfind("--", 0) == 0) files.clear(), files.resize(3);
    else files.push_back(a);
  }
  if (files.size() != 2) {
    std::fprintf(stderr,
                 "usage: clean_workload IN.csv OUT.csv [--threads N] [--stats] [--quiet]\n"
                 "  the fixed cleaning workload of bench/clean/run: de-duplicate, sort, range, interpolate\n"
                 "  gaps up to 10 minutes, z-score per series; output byte-identical to the pandas peer\n");
    return 1;
  }
  o.input = files[0];
  o.output = files[1];
  try {
    const auto s = xinzhi::bench::run_workload(o);
    const std::string line = fmt::format(
        "rows_in {} rows_out {} series {} duplicates {} out_of_range {} interpolated {} left_missing {} rejected {} "
        "parse {:.3f}s clean {:.3f}s write {:.3f}s total {:.3f}s",
        s.rows_in, s.rows_out, s.series, s.duplicates, s.out_of_range, s.interpolated, s.left_missing, s.rejected,
        s.parse_s, s.clean_s, s.write_s, s.total_s);
    if (stats) std::printf("%s\n", line.c_str());
    if (s.rejected > 0) {
      std::fprintf(stderr, "clean_workload: error: %llu row(s) refused and left out of %s; first %s\n",
                   static_cast<unsigned long long>(s.rejected), o.output.c_str(), s.first_rejected.c_str());
      return 2;
    }
  } catch (const xinzhi::Error& e) {
    std::fprintf(stderr, "clean_workload: error: %s\n", e.what());
    return xinzhi::exit_code(e.kind());
  }
  return 0;
}
