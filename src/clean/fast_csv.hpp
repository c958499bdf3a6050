// The fast path for long-format readings CSV (`ts,machine,sensor,value`): a memory-mapped file,
// a hand-written multi-threaded parser (fixed-layout ISO timestamps, std::from_chars floats,
// interned series ids) and the number/time formatters that write results back as text.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
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
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};
template <typename T>
using BigVector = std::vector<T, HugePageAllocator<T>>;

// A read-only memory map of a whole file (empty files map to an empty view).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view data() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
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
