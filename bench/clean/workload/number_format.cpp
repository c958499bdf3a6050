#include "number_format.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace xinzhi::bench {

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

}  // namespace xinzhi::bench
