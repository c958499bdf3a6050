#include "clean/fast_csv.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::clean {

FileBuffer::FileBuffer(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path, "not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  bytes_.resize(size_);  // not zero-filled (see HugePageAllocator::construct)
  std::size_t off = 0;
  while (off < size_) {
    const ssize_t n = ::read(fd, bytes_.data() + off, std::min<std::size_t>(size_ - off, std::size_t{1} << 24));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "the file shrank while being read";
      ::close(fd);
      throw InputError(path, "cannot read: " + why);
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

namespace {

inline int two(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

inline bool all_digits(const char* p, int n) {
  for (int i = 0; i < n; ++i)
    if (static_cast<unsigned>(p[i] - '0') > 9) return false;
  return true;
}

// Days since epoch for the first of each month are computed once per (year, month) pair: the
// cache avoids Hinnant's algorithm per row when rows come in time order.
struct DayCache {
  int year = -1, month = -1;
  std::int64_t first_day = 0;
};

bool parse_ts_fast(std::string_view f, TimestampMs& out, DayCache& cache) {
  if (f.size() == 24 && f[4] == '-' && f[7] == '-' && f[10] == 'T' && f[13] == ':' && f[16] == ':' &&
      f[19] == '.' && f[23] == 'Z') {
    const char* p = f.data();
    if (all_digits(p, 4) && all_digits(p + 5, 2) && all_digits(p + 8, 2) && all_digits(p + 11, 2) &&
        all_digits(p + 14, 2) && all_digits(p + 17, 2) && all_digits(p + 20, 3)) {
      const int year = two(p) * 100 + two(p + 2), month = two(p + 5), day = two(p + 8);
      const int hour = two(p + 11), minute = two(p + 14), second = two(p + 17);
      const int millis = (p[20] - '0') * 100 + two(p + 21);
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      if (month >= 1 && month <= 12 && day >= 1 && hour < 24 && minute < 60 && second < 60) {
        const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        const int dim = month == 2 && leap ? 29 : kDays[month - 1];
        if (day <= dim) {
          if (year != cache.year || month != cache.month) {
            cache.year = year, cache.month = month;
            cache.first_day = days_from_civil(year, static_cast<unsigned>(month), 1);
          }
          const std::int64_t days = cache.first_day + day - 1;
          out = ((days * 24 + hour) * 60 + minute) * 60000LL + second * 1000LL + millis;
          return true;
        }
      }
    }
  }
  const auto parsed = parse_iso8601(f);
  if (!parsed) return false;
  out = *parsed;
  return true;
}

struct SliceResult {
  BigVector<std::uint32_t> series;  // local ids, later remapped
  BigVector<TimestampMs> ts;
  BigVector<double> value;
  std::vector<std::string_view> keys;  // local id -> "machine,sensor" bytes
};

struct KeyHash {
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

[[noreturn]] void fail_at(std::string_view text, const char* at, const std::string& name, const std::string& msg) {
  const std::size_t off = static_cast<std::size_t>(at - text.data());
  const long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(off), '\n'));
  const std::size_t bol = text.rfind('\n', off == 0 ? 0 : off - 1);
  const long col = static_cast<long>(off - (bol == std::string_view::npos || off == 0 ? 0 : bol + 1)) + 1;
  throw InputError(place(name, line, col), msg);
}

// Clinger's fast path: a decimal with at most 15 significant digits and a short fraction is
// exactly m / 10^f with m and 10^f exact doubles, so one correctly rounded division gives the
// correctly rounded result. Anything else (exponents, long digit strings, nan/inf) goes to
// std::from_chars. Returns the end of the number, or nullptr when it is not one.
inline const char* parse_double(const char* p, const char* end, double& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                      1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* q = p;
  bool neg = false;
  if (q < end && (*q == '-' || *q == '+')) neg = *q == '-', ++q;
  std::uint64_t m = 0;
  int digits = 0, frac = 0;
  const char* start = q;
  while (q < end && static_cast<unsigned>(*q - '0') <= 9) m = m * 10 + static_cast<unsigned>(*q++ - '0'), ++digits;
  if (q < end && *q == '.') {
    ++q;
    while (q < end && static_cast<unsigned>(*q - '0') <= 9) m = m * 10 + static_cast<unsigned>(*q++ - '0'), ++digits, ++frac;
  }
  const bool simple = q > start && !(q == start + 1 && *start == '.') &&
                      (q == end || (*q != 'e' && *q != 'E')) && digits <= 15;
  if (simple) {
    const double v = static_cast<double>(m) / kPow10[frac];
    out = neg ? -v : v;
    return q;
  }
  const char* from = p + (*p == '+');  // from_chars refuses a leading '+'
  auto [ptr, ec] = std::from_chars(from, end, out);
  if (ec == std::errc::result_out_of_range) {
    out = std::strtod(std::string(from, ptr).c_str(), nullptr);
    return ptr;
  }
  return ec == std::errc() ? ptr : nullptr;
}

void parse_slice(std::string_view text, const char* begin, const char* end, const std::string& name,
                 SliceResult& r) {
  std::unordered_map<std::string_view, std::uint32_t, KeyHash> ids;
  std::string_view last_key;
  std::uint32_t last_id = 0;
  DayCache cache;
  const std::size_t guess = static_cast<std::size_t>(end - begin) / 40 + 16;
  r.series.reserve(guess), r.ts.reserve(guess), r.value.reserve(guess);
  const char* p = begin;
  while (p < end) {
    if (*p == '\n' || *p == '\r') {  // an empty line carries nothing
      ++p;
      continue;
    }
    // ts: the canonical layout is 24 bytes; otherwise look for the comma.
    const char* c1 = p + 24 < end && p[24] == ',' ? p + 24 : nullptr;
    if (!c1) {
      c1 = p;
      while (c1 < end && *c1 != ',' && *c1 != '\n') ++c1;
      if (c1 == end || *c1 != ',') fail_at(text, p, name, "expected 4 fields ts,machine,sensor,value");
    }
    TimestampMs t;
    if (!parse_ts_fast(std::string_view(p, static_cast<std::size_t>(c1 - p)), t, cache))
      fail_at(text, p, name, fmt::format("bad timestamp '{}'", std::string_view(p, static_cast<std::size_t>(c1 - p))));
    const char* c2 = c1 + 1;
    while (c2 < end && *c2 != ',' && *c2 != '\n') ++c2;
    const char* c3 = c2 < end && *c2 == ',' ? c2 + 1 : c2;
    while (c3 < end && *c3 != ',' && *c3 != '\n') ++c3;
    if (c3 >= end || *c3 != ',' || *c2 != ',') fail_at(text, p, name, "expected 4 fields ts,machine,sensor,value");
    const std::string_view key(c1 + 1, static_cast<std::size_t>(c3 - c1 - 1));
    if (key != last_key) {
      auto [it, inserted] = ids.try_emplace(key, static_cast<std::uint32_t>(r.keys.size()));
      if (inserted) r.keys.push_back(key);
      last_key = key, last_id = it->second;
    }
    double v;
    const char* vb = c3 + 1;
    const char* ve;
    if (vb == end || *vb == '\n' || *vb == '\r') {
      v = std::numeric_limits<double>::quiet_NaN();
      ve = vb;
    } else {
      ve = parse_double(vb, end, v);
      if (!ve) ve = vb;
    }
    if (ve < end && *ve == '\r') ++ve;
    if (ve < end && *ve != '\n') {
      const char* eol = static_cast<const char*>(std::memchr(vb, '\n', static_cast<std::size_t>(end - vb)));
      const std::string_view rest(vb, static_cast<std::size_t>((eol ? eol : end) - vb));
      if (rest.find(',') != std::string_view::npos)
        fail_at(text, vb, name, "more than 4 fields (quoted fields are not supported in readings CSV)");
      fail_at(text, vb, name, fmt::format("bad value '{}'", rest));
    }
    r.series.push_back(last_id);
    r.ts.push_back(t);
    r.value.push_back(v);
    p = ve + 1;
  }
}

}  // namespace

bool parse_timestamp_field(std::string_view field, TimestampMs& out) {
  DayCache cache;
  return parse_ts_fast(field, out, cache);
}

ParsedReadings parse_readings_csv(std::string_view text, const std::string& name, int threads) {
  const std::size_t nl = text.find('\n');
  std::string_view header = text.substr(0, nl);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  if (header.size() >= 3 && header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
  if (header != "ts,machine,sensor,value")
    throw InputError(place(name, 1, 1), fmt::format("expected the header 'ts,machine,sensor,value', got '{}'", header));
  const char* body = nl == std::string_view::npos ? text.data() + text.size() : text.data() + nl + 1;
  const char* end = text.data() + text.size();

  // Slices end on line boundaries so that every thread parses whole lines.
  threads = std::max(1, threads);
  std::vector<const char*> cuts{body};
  for (int k = 1; k < threads; ++k) {
    const char* c = body + (end - body) * k / threads;
    if (c <= cuts.back()) continue;
    const char* e = static_cast<const char*>(std::memchr(c, '\n', static_cast<std::size_t>(end - c)));
    c = e ? e + 1 : end;
    if (c > cuts.back() && c < end) cuts.push_back(c);
  }
  cuts.push_back(end);
  const std::size_t slices = cuts.size() - 1;
  std::vector<SliceResult> parts(slices);
  std::vector<std::exception_ptr> errors(slices);
  {
    std::vector<std::thread> pool;
    for (std::size_t k = 1; k < slices; ++k)
      pool.emplace_back([&, k] {
        try {
          parse_slice(text, cuts[k], cuts[k + 1], name, parts[k]);
        } catch (...) {
          errors[k] = std::current_exception();
        }
      });
    try {
      parse_slice(text, cuts[0], cuts[1], name, parts[0]);
    } catch (...) {
      errors[0] = std::current_exception();
    }
    for (auto& t : pool) t.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);  // the first slice's error is the earliest in the file

  // Global series ids in (machine, sensor) order.
  std::vector<std::pair<std::string, std::string>> keys;
  {
    std::unordered_map<std::string_view, int, KeyHash> seen;
    for (const auto& part : parts)
      for (auto k : part.keys)
        if (seen.emplace(k, 0).second) {
          const auto comma = k.find(',');
          keys.emplace_back(std::string(k.substr(0, comma)), std::string(k.substr(comma + 1)));
        }
  }
  std::sort(keys.begin(), keys.end());
  std::unordered_map<std::string, std::uint32_t> global;
  for (std::size_t i = 0; i < keys.size(); ++i) global.emplace(keys[i].first + "," + keys[i].second, static_cast<std::uint32_t>(i));

  ParsedReadings out;
  for (auto& [m, s] : keys) out.series_machine.push_back(m), out.series_sensor.push_back(s);
  std::size_t total = 0;
  for (const auto& part : parts) total += part.ts.size();
  if (slices == 1) {  // no copy needed
    auto& part = parts[0];
    std::vector<std::uint32_t> remap(part.keys.size());
    for (std::size_t i = 0; i < part.keys.size(); ++i) remap[i] = global.at(std::string(part.keys[i]));
    for (auto& s : part.series) s = remap[s];
    out.series = std::move(part.series), out.ts = std::move(part.ts), out.value = std::move(part.value);
    return out;
  }
  out.series.resize(total), out.ts.resize(total), out.value.resize(total);
  std::vector<std::size_t> offset(slices, 0);
  for (std::size_t k = 1; k < slices; ++k) offset[k] = offset[k - 1] + parts[k - 1].ts.size();
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < slices; ++k)
    pool.emplace_back([&, k] {
      auto& part = parts[k];
      std::vector<std::uint32_t> remap(part.keys.size());
      for (std::size_t i = 0; i < part.keys.size(); ++i) remap[i] = global.at(std::string(part.keys[i]));
      for (std::size_t i = 0; i < part.ts.size(); ++i) out.series[offset[k] + i] = remap[part.series[i]];
      std::copy(part.ts.begin(), part.ts.end(), out.ts.begin() + static_cast<long>(offset[k]));
      std::copy(part.value.begin(), part.value.end(), out.value.begin() + static_cast<long>(offset[k]));
      BigVector<std::uint32_t>().swap(part.series);
      BigVector<TimestampMs>().swap(part.ts);
      BigVector<double>().swap(part.value);
    });
  for (auto& t : pool) t.join();
  return out;
}

char* format_double_repr(double v, char* out) {
  if (std::isnan(v)) return out;
  if (std::isinf(v)) {
    const char* s = v > 0 ? "inf" : "-inf";
    const std::size_t n = std::strlen(s);
    std::memcpy(out, s, n);
    return out + n;
  }
  char sci[32];
  auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* p = sci;
  char* o = out;
  if (*p == '-') *o++ = '-', ++p;
  // sci is d[.ddd]e±XX
  char digits[24];
  int nd = 0;
  while (*p != 'e') {
    if (*p != '.') digits[nd++] = *p;
    ++p;
  }
  ++p;
  int exp = 0;
  std::from_chars(p + (*p == '+'), res.ptr, exp);
  if (exp < -4 || exp >= 16) {  // Python switches to exponent notation outside [1e-4, 1e16)
    *o++ = digits[0];
    if (nd > 1) {
      *o++ = '.';
      std::memcpy(o, digits + 1, static_cast<std::size_t>(nd - 1));
      o += nd - 1;
    }
    *o++ = 'e';
    *o++ = exp < 0 ? '-' : '+';
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) *o++ = '0';
    o = std::to_chars(o, o + 4, a).ptr;
    return o;
  }
  if (exp >= 0) {
    const int int_digits = exp + 1;
    if (nd <= int_digits) {
      std::memcpy(o, digits, static_cast<std::size_t>(nd));
      o += nd;
      for (int i = nd; i < int_digits; ++i) *o++ = '0';
      *o++ = '.', *o++ = '0';
    } else {
      std::memcpy(o, digits, static_cast<std::size_t>(int_digits));
      o += int_digits;
      *o++ = '.';
      std::memcpy(o, digits + int_digits, static_cast<std::size_t>(nd - int_digits));
      o += nd - int_digits;
    }
    return o;
  }
  *o++ = '0', *o++ = '.';
  for (int i = 0; i < -exp - 1; ++i) *o++ = '0';
  std::memcpy(o, digits, static_cast<std::size_t>(nd));
  return o + nd;
}

char* format_ts_micros(TimestampMs ms, char* out, std::int64_t& cache_day, char cache_date[11]) {
  std::int64_t day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  std::int64_t rem = ms - day * 86400000;
  if (day != cache_day) {
    int y;
    unsigned m, d;
    civil_from_days(day, y, m, d);
    fmt::format_to_n(cache_date, 11, "{:04d}-{:02d}-{:02d}T", y, m, d);
    cache_day = day;
  }
  std::memcpy(out, cache_date, 11);
  const int h = static_cast<int>(rem / 3600000);
  rem -= h * 3600000LL;
  const int mi = static_cast<int>(rem / 60000);
  rem -= mi * 60000LL;
  const int s = static_cast<int>(rem / 1000);
  const int milli = static_cast<int>(rem - s * 1000);
  char* o = out + 11;
  o[0] = static_cast<char>('0' + h / 10), o[1] = static_cast<char>('0' + h % 10), o[2] = ':';
  o[3] = static_cast<char>('0' + mi / 10), o[4] = static_cast<char>('0' + mi % 10), o[5] = ':';
  o[6] = static_cast<char>('0' + s / 10), o[7] = static_cast<char>('0' + s % 10), o[8] = '.';
  o[9] = static_cast<char>('0' + milli / 100), o[10] = static_cast<char>('0' + milli / 10 % 10);
  o[11] = static_cast<char>('0' + milli % 10);
  std::memcpy(o + 12, "000Z", 4);
  return o + 16;
}

}  // namespace xinzhi::clean
