// The fields of a landing reading, as every format writes them (CSV cells, JSON strings), and
// the one way each is read: a timestamp is ISO-8601 (with or without an offset; no offset
// means UTC) or integer milliseconds since the Unix epoch; a value is a finite decimal number,
// or nothing ("", null, NULL) for a value the device reported missing; machine and sensor are
// non-empty names. Each parser returns "" on success or the reason the field is unusable,
// worded the same for every source. They are written for the hot path: the canonical
// "YYYY-MM-DDTHH:MM:SS.mmmZ" timestamp and short decimals are read without library calls.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace xinzhi::acquire {

// Reads timestamps of one file or payload: remembers the day number of the last (year, month)
// seen, so that rows in time order need no calendar arithmetic.
class TimestampReader {
 public:
  // what names the field in the reason: "timestamp" or "received timestamp".
  std::string read(std::string_view text, TimestampMs& out, const char* what = "timestamp") {
    if (read_canonical(text, out)) return {};
    return read_other(text, out, what);
  }

  // "YYYY-MM-DDTHH:MM:SS.mmmZ" exactly, with a valid date: the layout gateways write. False for
  // anything else (read() then tries the other forms).
  bool read_canonical(std::string_view f, TimestampMs& out) {
    if (f.size() != 24) return false;
    // Eight bytes at a time against the layout: XOR with '0' at the digits and the separator
    // itself elsewhere leaves 0-9 at valid digits and 0 at valid separators.
    std::uint64_t w[3];
    std::memcpy(w, f.data(), 24);
    static constexpr std::uint64_t kLayout[3] = {
        0x2D30302D30303030ULL,   // "0000-00-" (little-endian)
        0x30303A3030543030ULL,   // "00T00:00"
        0x5A3030302E30303AULL};  // ":00.000Z"
    static constexpr std::uint64_t kSeparators[3] = {0xFF0000FF00000000ULL, 0x0000FF0000FF0000ULL,
                                                     0xFF000000FF0000FFULL};
    std::uint64_t bad = 0;
    for (int k = 0; k < 3; ++k) {
      const std::uint64_t t = w[k] ^ kLayout[k];
      bad |= (t | ((t & 0x7F7F7F7F7F7F7F7FULL) + 0x7676767676767676ULL)) & 0x8080808080808080ULL;  // a byte > 9
      bad |= t & kSeparators[k];
    }
    if (bad) return false;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(f.data());
    auto digit = [&](int i) { return static_cast<int>(p[i]) - '0'; };
    auto two = [&](int i) { return digit(i) * 10 + digit(i + 1); };
    const int year = two(0) * 100 + two(2), month = two(5), day = two(8);
    const int hour = two(11), minute = two(14), second = two(17);
    const int millis = digit(20) * 100 + two(21);
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
    if (year != year_ || month != month_) {
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      year_ = year, month_ = month;
      days_in_month_ = month == 2 && leap ? 29 : kDays[month - 1];
      first_day_ = days_from_civil(year, static_cast<unsigned>(month), 1);
    }
    if (day > days_in_month_) return false;
    out = (((first_day_ + day - 1) * 24 + hour) * 60 + minute) * 60000LL + second * 1000LL + millis;
    return true;
  }

 private:
  std::string read_other(std::string_view text, TimestampMs& out, const char* what);

  int year_ = -1, month_ = -1, days_in_month_ = 0;
  std::int64_t first_day_ = 0;
};

// A value field. "" / "null" / "NULL" (spaces around allowed): missing (out = nullopt).
std::string read_value_other(std::string_view text, std::optional<double>& out);
// The common field read at once: true and out set, or false (read_value then decides).
inline bool read_plain_decimal(std::string_view text, double& out) {
  // The common field: [-]digits[.digits], at most 15 significant digits, nothing around it.
  // Clinger's fast path: such a decimal is exactly m / 10^f with m and 10^f exact doubles, so
  // one correctly rounded division gives the correctly rounded value.
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                      1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = text.data();
  const char* end = p + text.size();
  const bool neg = p < end && *p == '-';
  p += neg;
  std::uint64_t m = 0;
  int digits = 0, frac = -1;
  for (; p < end; ++p) {
    const unsigned v = static_cast<unsigned char>(*p) - '0';
    if (v <= 9) {
      m = m * 10 + v, ++digits;
      if (frac >= 0) ++frac;
    } else if (*p == '.' && frac < 0) {
      frac = 0;
    } else {
      break;
    }
  }
  if (p != end || digits < 1 || digits > 15) return false;
  const double v = static_cast<double>(m) / kPow10[frac < 0 ? 0 : frac];
  out = neg ? -v : v;
  return true;
}

inline std::string read_value(std::string_view text, std::optional<double>& out) {
  double v;
  if (read_plain_decimal(text, v)) {
    out = v;
    return {};
  }
  return read_value_other(text, out);
}

// A machine or sensor name (already trimmed): "" or "empty machine".
inline std::string check_name(const char* what, std::string_view name) {
  if (name.empty()) return std::string("empty ") + what;
  return {};
}

}  // namespace xinzhi::acquire
