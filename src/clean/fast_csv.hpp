// The fast path for long-format readings CSV (`ts,machine,sensor,value`): the file read whole into
// huge-page memory, a hand-written multi-threaded parser (fixed-layout ISO timestamps, std::from_chars floats,
// interned series ids) and the number/time formatters that write results back as text.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::clean {

// An allocator for big column arrays: allocations of 2 MiB and more are aligned to 2 MiB and
// marked for transparent huge pages, which cuts page faults (costly in virtual machines) by
// 512x when the kernel's THP mode is "madvise".
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t n) {
    constexpr std::size_t kHuge = std::size_t{1} << 21;
    std::size_t bytes = n * sizeof(T);
    void* p;
    if (bytes >= kHuge) {
      bytes = (bytes + kHuge - 1) / kHuge * kHuge;
      p = std::aligned_alloc(kHuge, bytes);
      if (p) ::madvise(p, bytes, MADV_HUGEPAGE);
    } else {
      p = std::malloc(bytes ? bytes : 1);
    }
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  // resize() leaves new elements default-initialised (not zeroed): every user overwrites them,
  // and zeroing hundreds of megabytes first is wasted time.
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) ::new (static_cast<void*>(p)) U;
    else ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};
template <typename T>
using BigVector = std::vector<T, HugePageAllocator<T>>;

// A whole file in memory. It is read into a huge-page buffer rather than memory-mapped: mapping
// faults (or MAP_POPULATE) cost one page-table entry per 4 KiB page, which in a virtual machine
// is 2-3x slower than read() into 2 MiB pages (measured: 0.07 s against 0.14-0.20 s for 47 MB).
class FileBuffer {
 public:
  explicit FileBuffer(const std::string& path);
  std::string_view data() const { return {bytes_.data(), size_}; }

 private:
  BigVector<char> bytes_;
  std::size_t size_ = 0;
};

// Readings in file order. series[i] indexes series_machine/series_sensor, which are sorted by
// (machine, sensor) so that series ids order the way the output does.
struct ParsedReadings {
  std::vector<std::string> series_machine, series_sensor;
  BigVector<std::uint32_t> series;
  BigVector<TimestampMs> ts;
  BigVector<double> value;  // NaN for an empty value
  std::size_t rows() const { return ts.size(); }
};

// Parses the CSV text (the header must be ts,machine,sensor,value). Each thread parses one
// slice and keeps its rows in file order; slices are concatenated in order. A malformed row is
// an InputError naming name:line:column.
ParsedReadings parse_readings_csv(std::string_view text, const std::string& name, int threads);

// Parses one timestamp field, fast for the canonical "YYYY-MM-DDTHH:MM:SS.mmmZ" layout and
// falling back to parse_iso8601 for the others.
bool parse_timestamp_field(std::string_view field, TimestampMs& out);

// Writes v the way Python's repr (and so pandas' to_csv) does: shortest round-trip digits,
// "3000.0", "1e-05", "1e+16"; returns the end. NaN is written as nothing. Needs 32 bytes.
char* format_double_repr(double v, char* out);

// "YYYY-MM-DDTHH:MM:SS.mmm000Z" (27 bytes: microsecond layout, as pandas writes with %f).
// cache_day/cache_date memoise the date part between calls of the same day.
char* format_ts_micros(TimestampMs ms, char* out, std::int64_t& cache_day, char cache_date[11]);

}  // namespace xinzhi::clean
