#include "acquire/landing/reading_fields.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "core/strings.hpp"

namespace xinzhi::acquire {

namespace {

bool all_digits(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<unsigned>(p[i] - '0') > 9) return false;
  return true;
}

bool integer_millis(std::string_view s, TimestampMs& out) {
  std::string_view digits = s;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty() || !all_digits(digits.data(), digits.size())) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Clinger's fast path: a decimal with at most 15 significant digits and a short fraction is
// exactly m / 10^f with m and 10^f exact doubles, so one correctly rounded division gives the
// correctly rounded result. Anything else (exponents, long digit strings, nan/inf) goes to
// std::from_chars. Returns false when the text is not a number; sets out_of_range for one too
// large (or too small) for a double.
bool decimal(std::string_view s, double& out, bool& out_of_range) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                      1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  out_of_range = false;
  const char* p = s.data();
  const char* end = p + s.size();
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
  if (q == end && q > start && !(q == start + 1 && *start == '.') && digits >= 1 && digits <= 15) {
    const double v = static_cast<double>(m) / kPow10[frac];
    out = neg ? -v : v;
    return true;
  }
  const char* from = p + (p < end && *p == '+');  // from_chars refuses a leading '+'
  const auto [ptr, ec] = std::from_chars(from, end, out);
  if (ptr != end) return false;
  if (ec == std::errc::result_out_of_range) return out_of_range = true, true;
  return ec == std::errc();
}

}  // namespace

std::string TimestampReader::read_other(std::string_view text, TimestampMs& out, const char* what) {
  const std::string_view f = trim(text);
  if (f.size() != text.size() && read_canonical(f, out)) return {};
  if (integer_millis(f, out)) return {};
  if (const auto parsed = parse_iso8601(f)) {
    out = *parsed;
    return {};
  }
  return fmt::format("bad {} {}", what, quoted_excerpt(f));
}

std::string read_value_other(std::string_view text, std::optional<double>& out) {
  const std::string_view s = trim(text);
  if (s.empty() || s == "null" || s == "NULL") {
    out.reset();
    return {};
  }
  double v = 0;
  bool out_of_range = false;
  if (!decimal(s, v, out_of_range)) return fmt::format("value {} is not a number", quoted_excerpt(s));
  if (out_of_range || !std::isfinite(v)) return fmt::format("value {} is not finite (NaN or infinity)", quoted_excerpt(s));
  out = v;
  return {};
}

}  // namespace xinzhi::acquire
