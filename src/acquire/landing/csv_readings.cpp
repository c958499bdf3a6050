#include "acquire/landing/csv_readings.hpp"

#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "core/utf8.hpp"

namespace xinzhi::acquire {

namespace {

int column_of(std::string_view name) {
  if (name == "ts" || name == "timestamp" || name == "time") return 0;
  if (name == "machine") return 1;
  if (name == "sensor") return 2;
  if (name == "value") return 3;
  if (name == "received") return 4;
  return -1;
}

std::string_view without_bom(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

// One pass over a line, eight bytes at a time: where its commas are, whether it has a quote
// (then the RFC 4180 splitter reads it), and whether it is plain ASCII (else the full UTF-8
// check runs). Most landing lines are short, unquoted ASCII: this is the hot loop of every
// reader of landing CSV. Returns false when the line has more commas than `max` (then the
// splitter reads it too).
inline std::uint64_t bytes_equal(std::uint64_t w, std::uint64_t pattern) {
  // Exact: a byte of t is 0 exactly where w has the pattern's byte (no borrow between bytes).
  const std::uint64_t t = w ^ pattern, low7 = 0x7F7F7F7F7F7F7F7FULL;
  return ~(((t & low7) + low7) | t | low7);
}

bool scan_line(std::string_view line, std::uint32_t* commas, std::size_t max, std::size_t& count, bool& quote,
               bool& ascii) {
  const char* p = line.data();
  const std::size_t n = line.size();
  std::uint64_t high = 0, quotes = 0;
  count = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    high |= w;
    quotes |= bytes_equal(w, 0x2222222222222222ULL);
    for (std::uint64_t m = bytes_equal(w, 0x2C2C2C2C2C2C2C2CULL); m; m &= m - 1) {
      if (count == max) return false;
      commas[count++] = static_cast<std::uint32_t>(i + static_cast<std::size_t>(__builtin_ctzll(m) >> 3));
    }
  }
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    high |= c;
    quotes |= c == '"';
    if (c == ',') {
      if (count == max) return false;
      commas[count++] = static_cast<std::uint32_t>(i);
    }
  }
  quote = quotes != 0;
  ascii = (high & 0x8080808080808080ULL) == 0;
  return true;
}

}  // namespace

CsvReadingLayout::CsvReadingLayout() : columns_(4), optional_received_(true), received_(4) {}

CsvReadingLayout::CsvReadingLayout(std::string_view header, const std::string& place) {
  header = without_bom(header);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  std::vector<std::string_view> fields;
  std::string storage;
  if (!split_csv(header, fields, storage)) throw InputError(place, "unbalanced quote in the header line");
  columns_ = fields.size();
  int* slot[] = {&ts_, &machine_, &sensor_, &value_, &received_};
  for (int* s : slot) *s = -1;
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (const int c = column_of(trim(fields[i])); c >= 0 && *slot[c] < 0) *slot[c] = static_cast<int>(i);
  std::vector<std::string> missing;
  if (ts_ < 0) missing.push_back("ts");
  if (machine_ < 0) missing.push_back("machine");
  if (sensor_ < 0) missing.push_back("sensor");
  if (value_ < 0) missing.push_back("value");
  if (!missing.empty())
    throw InputError(place, fmt::format("the header line lacks column(s) {} (expected ts,machine,sensor,value; got {})",
                                        fmt::join(missing, ", "), quoted_excerpt(header, 120)));
}

bool CsvReadingLayout::is_header(std::string_view line) {
  line = without_bom(trim(line));
  std::vector<std::string_view> fields;
  std::string storage;
  if (!split_csv(line, fields, storage)) return false;
  for (auto f : fields)
    if (column_of(trim(f)) == 0) return true;
  return false;
}

CsvReadingParser::CsvReadingParser(CsvReadingLayout layout, ReadingRules rules, TimestampMs now)
    : layout_(std::move(layout)), rules_(std::move(rules)), now_(now) {
  const auto& l = layout_;
  plain_layout_ = l.ts_ == 0 && l.machine_ == 1 && l.sensor_ == 2 && l.value_ == 3 &&
                  (l.columns_ == 4 || (l.columns_ == 5 && l.received_ == 4));
  check_rules_ = !rules_.sensors.empty() || rules_.max_past_ms > 0 || rules_.max_future_ms > 0;
}

namespace {

// The end of a plain name field starting at p (the next comma), or nullptr when the field is
// not plain: empty, spaces at its ends, a quote, or a byte outside ASCII.
inline const char* plain_name_end(const char* p, const char* end) {
  const char* q = p;
  unsigned char bad = 0;
  while (q < end && *q != ',') {
    const unsigned char c = static_cast<unsigned char>(*q++);
    bad |= (c & 0x80) | (c == '"');
  }
  if (bad || q == p || q == end || static_cast<unsigned char>(p[0]) <= ' ' || static_cast<unsigned char>(q[-1]) <= ' ')
    return nullptr;
  return q;
}

}  // namespace

// The common row read at once: canonical timestamps, plain names, a plain decimal or nothing.
// Anything else returns false and parse() reads the row the general way, so that the readings
// and the reasons are the same either way.
bool CsvReadingParser::parse_plain(std::string_view line, Reading& out) {
  const char* p = line.data();
  const char* end = p + line.size();
  if (line.size() < 29 || p[24] != ',' || !times_.read_canonical(line.substr(0, 24), out.ts)) return false;
  const char* m_end = plain_name_end(p + 25, end);
  if (!m_end) return false;
  const char* s_end = plain_name_end(m_end + 1, end);
  if (!s_end) return false;
  const char* v = s_end + 1;
  const char* v_end = v;
  while (v_end < end && *v_end != ',') ++v_end;
  bool received = false;
  TimestampMs received_ts = 0;
  if (v_end < end) {  // a fifth field: the received stamp, canonical or empty
    if (layout_.columns_ != 5 && !layout_.optional_received_) return false;
    const std::string_view r(v_end + 1, static_cast<std::size_t>(end - v_end - 1));
    if (!r.empty()) {
      if (!times_.read_canonical(r, received_ts)) return false;
      received = true;
    }
  } else if (layout_.columns_ == 5) {
    return false;  // ragged: the general path words it
  }
  double value = 0;
  const bool missing = v == v_end;
  if (!missing && !read_plain_decimal(std::string_view(v, static_cast<std::size_t>(v_end - v)), value)) return false;
  const std::string_view machine(p + 25, static_cast<std::size_t>(m_end - p - 25));
  const std::string_view sensor(m_end + 1, static_cast<std::size_t>(s_end - m_end - 1));
  series_changed_ = false;
  if (out.machine != machine) out.machine.assign(machine), series_changed_ = true;
  if (out.sensor != sensor) out.sensor.assign(sensor), series_changed_ = true;
  if (missing) out.value.reset();
  else out.value = value;
  if (received) out.received = received_ts;
  else out.received.reset();
  return true;
}

bool CsvReadingParser::skip(std::string_view line) {
  if (!line.empty() && line.front() > ' ' && line.front() != '#') return false;  // the common case, at once
  const std::string_view t = trim(line);
  return t.empty() || t.front() == '#';
}

std::string CsvReadingParser::parse(std::string_view line, Reading& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (plain_layout_ && parse_plain(line, out)) return check_rules_ ? check_reading(out, rules_, now_) : std::string();
  constexpr std::size_t kMaxCommas = 31;
  std::uint32_t commas[kMaxCommas];
  std::size_t count = 0;
  bool quote = false, ascii = false;
  const bool scanned = scan_line(line, commas, kMaxCommas, count, quote, ascii);
  if (!ascii)
    if (const auto bad = invalid_utf8_at(line); bad != std::string_view::npos)
      return fmt::format("invalid UTF-8 at byte {}", bad + 1);
  if (scanned && !quote) {
    fields_.resize(count + 1);
    std::size_t start = 0;
    for (std::size_t k = 0; k < count; ++k) {
      fields_[k] = line.substr(start, commas[k] - start);
      start = commas[k] + 1;
    }
    fields_[count] = line.substr(start);
  } else if (!split_csv(line, fields_, storage_)) {
    return "unbalanced quote";
  }
  const std::size_t n = fields_.size();
  const auto& l = layout_;
  const bool received_given = l.received_ >= 0 && (!l.optional_received_ || n == l.columns_ + 1);
  if (n != l.columns_ && !(l.optional_received_ && n == l.columns_ + 1))
    return fmt::format("ragged row: {} field{}, expected {}{}", n, n == 1 ? "" : "s", l.columns_,
                       l.optional_received_ ? fmt::format(" (ts,machine,sensor,value) or {} (with received)", l.columns_ + 1)
                                            : "");
  if (auto e = times_.read(fields_[static_cast<std::size_t>(l.ts_)], out.ts); !e.empty()) return e;
  const std::string_view machine = trim(fields_[static_cast<std::size_t>(l.machine_)]);
  const std::string_view sensor = trim(fields_[static_cast<std::size_t>(l.sensor_)]);
  if (machine.empty()) return "empty machine";
  if (sensor.empty()) return "empty sensor";
  series_changed_ = false;
  if (out.machine != machine) out.machine.assign(machine), series_changed_ = true;
  if (out.sensor != sensor) out.sensor.assign(sensor), series_changed_ = true;
  out.received.reset();
  if (received_given) {
    // Empty: this row was not stamped (a collector may stamp only some rows).
    const std::string_view text = fields_[static_cast<std::size_t>(l.received_)];
    if (!trim(text).empty()) {
      TimestampMs t;
      if (auto e = times_.read(text, t, "received timestamp"); !e.empty()) return e;
      out.received = t;
    }
  }
  if (auto e = read_value(fields_[static_cast<std::size_t>(l.value_)], out.value); !e.empty()) return e;
  return check_rules_ ? check_reading(out, rules_, now_) : std::string();
}

}  // namespace xinzhi::acquire
