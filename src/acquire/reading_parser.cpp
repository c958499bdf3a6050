#include "acquire/reading_parser.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace xinzhi::acquire {

std::size_t invalid_utf8_at(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return i;
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return std::string_view::npos;
}

bool split_csv(std::string_view line, std::vector<std::string_view>& fields, std::string& storage) {
  fields.clear();
  if (line.find('"') == std::string_view::npos) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      if (comma == std::string_view::npos) {
        fields.push_back(line.substr(start));
        return true;
      }
      fields.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
  }
  // Slow path: quoted fields. Unquoted text goes into storage, which is sized up front so that
  // the views stay valid.
  storage.clear();
  storage.reserve(line.size());
  std::size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      const std::size_t begin = storage.size();
      ++i;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') storage.push_back('"'), i += 2;
          else {
            ++i;
            break;
          }
        } else {
          storage.push_back(line[i++]);
        }
      }
      fields.emplace_back(storage.data() + begin, storage.size() - begin);
      if (i == line.size()) return true;
      if (line[i] != ',') return false;
      ++i;
    } else {
      const std::size_t comma = line.find(',', i);
      const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
      fields.push_back(line.substr(i, end - i));
      if (comma == std::string_view::npos) return true;
      i = comma + 1;
    }
  }
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  if (s.size() > 40) return fmt::format("'{}...'", s.substr(0, 40));
  return fmt::format("'{}'", s);
}

// Empty = ok. Sets has_value=false for an empty field (a missing value is data, not an error).
std::string parse_value(std::string_view text, Reading& out) {
  text = trim(text);
  if (text.empty()) {
    out.has_value = false;
    return {};
  }
  const char* first = text.data();
  if (*first == '+') ++first;
  double v;
  const auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return "bad value " + quoted(text);
  if (!std::isfinite(v)) return "value is not a finite number: " + quoted(text);
  out.has_value = true;
  out.value = v;
  return {};
}

std::string check_name(std::string_view what, std::string_view name) {
  if (name.empty()) return fmt::format("empty {}", what);
  return {};
}

}  // namespace

CsvReadingLayout::CsvReadingLayout(std::string_view header, const std::string& place) {
  std::vector<std::string_view> fields;
  std::string storage;
  if (header.size() >= 3 && static_cast<unsigned char>(header[0]) == 0xEF) header.remove_prefix(3);  // BOM
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  if (!split_csv(header, fields, storage)) throw InputError(place, "unbalanced quote in the header line");
  columns_ = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string_view f = trim(fields[i]);
    const int idx = static_cast<int>(i);
    if (f == "ts" || f == "timestamp" || f == "time") ts_ = idx;
    else if (f == "machine") machine_ = idx;
    else if (f == "sensor") sensor_ = idx;
    else if (f == "value") value_ = idx;
    else if (f == "received") received_ = idx;
  }
  std::vector<std::string> missing;
  if (ts_ < 0) missing.push_back("ts");
  if (machine_ < 0) missing.push_back("machine");
  if (sensor_ < 0) missing.push_back("sensor");
  if (value_ < 0) missing.push_back("value");
  if (!missing.empty())
    throw InputError(place, fmt::format("the header line lacks column(s) {} (expected ts,machine,sensor,value; got '{}')",
                                        fmt::join(missing, ", "), header.substr(0, 120)));
}

std::string CsvReadingLayout::parse(std::string_view line, Reading& out, std::vector<std::string_view>& fields) const {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (const auto bad = invalid_utf8_at(line); bad != std::string_view::npos)
    return fmt::format("invalid UTF-8 at byte {}", bad + 1);
  thread_local std::string storage;
  if (!split_csv(line, fields, storage)) return "unbalanced quote";
  if (fields.size() != columns_)
    return fmt::format("ragged row: {} field{}, expected {}", fields.size(), fields.size() == 1 ? "" : "s", columns_);
  const std::string_view ts_text = trim(fields[static_cast<std::size_t>(ts_)]);
  const auto ts = parse_iso8601(ts_text);
  if (!ts) return "bad timestamp " + quoted(ts_text);
  out.ts = *ts;
  out.machine = trim(fields[static_cast<std::size_t>(machine_)]);
  out.sensor = trim(fields[static_cast<std::size_t>(sensor_)]);
  if (auto e = check_name("machine", out.machine); !e.empty()) return e;
  if (auto e = check_name("sensor", out.sensor); !e.empty()) return e;
  out.has_received = false;
  if (received_ >= 0) {
    // Empty: this row was not stamped (a collector may stamp only some rows).
    const std::string_view text = trim(fields[static_cast<std::size_t>(received_)]);
    if (!text.empty()) {
      const auto t = parse_iso8601(text);
      if (!t) return "bad received timestamp " + quoted(text);
      out.received = *t, out.has_received = true;
    }
  }
  return parse_value(fields[static_cast<std::size_t>(value_)], out);
}

namespace {

// The common case, a flat object of the four fields with plain strings, without building a
// JSON tree (several times faster). Anything else (escapes, nesting, other keys, errors)
// returns false and the full parser decides, so the messages stay the same.
bool parse_flat_json_reading(std::string_view line, Reading& out, std::string& machine_storage,
                             std::string& sensor_storage) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  auto skip_ws = [&] {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  auto string_at = [&](std::string_view& s) {
    if (i >= n || line[i] != '"') return false;
    const std::size_t end = line.find('"', i + 1);
    if (end == std::string_view::npos) return false;
    s = line.substr(i + 1, end - i - 1);
    if (s.find('\\') != std::string_view::npos) return false;
    i = end + 1;
    return true;
  };
  skip_ws();
  if (i >= n || line[i++] != '{') return false;
  bool have_ts = false, have_m = false, have_s = false, have_v = false;
  out.has_received = false;
  for (;;) {
    skip_ws();
    std::string_view key;
    if (!string_at(key)) return false;
    skip_ws();
    if (i >= n || line[i++] != ':') return false;
    skip_ws();
    if (key == "ts" || key == "machine" || key == "sensor" || key == "received") {
      std::string_view v;
      if (!string_at(v)) return false;
      if (key == "received") {
        const auto t = parse_iso8601(v);
        if (!t) return false;
        out.received = *t, out.has_received = true;
      } else if (key == "ts") {
        const auto t = parse_iso8601(v);
        if (!t) return false;
        out.ts = *t, have_ts = true;
      } else if (key == "machine") {
        if (v.empty()) return false;
        machine_storage.assign(v), have_m = true;
      } else {
        if (v.empty()) return false;
        sensor_storage.assign(v), have_s = true;
      }
    } else if (key == "value") {
      if (line.compare(i, 4, "null") == 0) {
        out.has_value = false;
        i += 4;
      } else {
        double v;
        const auto [ptr, ec] = std::from_chars(line.data() + i, line.data() + n, v);
        if (ec != std::errc() || !std::isfinite(v)) return false;
        i = static_cast<std::size_t>(ptr - line.data());
        out.has_value = true, out.value = v;
      }
      have_v = true;
    } else {
      return false;
    }
    skip_ws();
    if (i < n && line[i] == ',') {
      ++i;
      continue;
    }
    if (i < n && line[i] == '}') {
      ++i;
      break;
    }
    return false;
  }
  skip_ws();
  if (i != n || !(have_ts && have_m && have_s && have_v)) return false;
  out.machine = machine_storage;
  out.sensor = sensor_storage;
  return true;
}

}  // namespace

std::string parse_json_reading(std::string_view line, Reading& out, std::string& machine_storage,
                               std::string& sensor_storage) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (const auto bad = invalid_utf8_at(line); bad != std::string_view::npos)
    return fmt::format("invalid UTF-8 at byte {}", bad + 1);
  if (parse_flat_json_reading(line, out, machine_storage, sensor_storage)) return {};
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return "malformed JSON";
  if (!j.is_object()) return "expected a JSON object";
  const auto ts = j.find("ts");
  if (ts == j.end()) return "missing field 'ts'";
  if (ts->is_string()) {
    const auto& s = ts->get_ref<const std::string&>();
    const auto parsed = parse_iso8601(s);
    if (!parsed) return "bad timestamp " + quoted(std::string_view(s));
    out.ts = *parsed;
  } else if (ts->is_number_integer()) {
    out.ts = ts->get<std::int64_t>();
  } else {
    return "bad timestamp: expected an ISO-8601 string or milliseconds";
  }
  for (auto [key, storage] : {std::pair{"machine", &machine_storage}, std::pair{"sensor", &sensor_storage}}) {
    const auto it = j.find(key);
    if (it == j.end()) return fmt::format("missing field '{}'", key);
    if (!it->is_string()) return fmt::format("field '{}' is not a string", key);
    *storage = it->get<std::string>();
    if (storage->empty()) return fmt::format("empty {}", key);
  }
  out.machine = machine_storage;
  out.sensor = sensor_storage;
  out.has_received = false;
  if (const auto rc = j.find("received"); rc != j.end() && !rc->is_null()) {
    if (rc->is_string()) {
      const auto& s = rc->get_ref<const std::string&>();
      const auto parsed = parse_iso8601(s);
      if (!parsed) return "bad received timestamp " + quoted(std::string_view(s));
      out.received = *parsed;
    } else if (rc->is_number_integer()) {
      out.received = rc->get<std::int64_t>();
    } else {
      return "bad received timestamp: expected an ISO-8601 string or milliseconds";
    }
    out.has_received = true;
  }
  const auto v = j.find("value");
  if (v == j.end()) return "missing field 'value'";
  if (v->is_null()) {
    out.has_value = false;
  } else if (v->is_number()) {
    out.value = v->get<double>();
    if (!std::isfinite(out.value)) return "value is not a finite number";
    out.has_value = true;
  } else {
    return "field 'value' is not a number";
  }
  return {};
}

}  // namespace xinzhi::acquire
