// CSV parsing alone, on one core: the readings file is read into memory first, then parsed into
// columns (timestamps, interned series, values) by parse_readings_columns (the landing grammar)
// with one thread; the best
// of a few passes is printed as MB/s.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "columnar_readings.hpp"
#include "core/whole_file.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: clean_parse_bench READINGS.csv [PASSES]\n");
    return 1;
  }
  const int passes = argc > 2 ? std::atoi(argv[2]) : 3;
  try {
    const xinzhi::WholeFile file(argv[1]);
    const auto text = file.view();
    unsigned long sum = 0;  // the file is in memory; this only keeps the compiler honest
    for (std::size_t i = 0; i < text.size(); i += 4096) sum += static_cast<unsigned char>(text[i]);
    double best = 1e30;
    std::size_t rows = 0;
    for (int p = 0; p < passes; ++p) {
      const auto t0 = std::chrono::steady_clock::now();
      auto parsed = xinzhi::bench::parse_readings_columns(text, argv[1], 1);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      rows = parsed.rows();
      if (s < best) best = s;
    }
    std::printf("parse_only bytes %zu rows %zu best %.3fs %.1f MB/s %.2f Mrows/s (touch %lu)\n", text.size(), rows,
                best, static_cast<double>(text.size()) / best / 1e6, static_cast<double>(rows) / best / 1e6, sum % 7);
  } catch (const xinzhi::Error& e) {
    std::fprintf(stderr, "clean_parse_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
