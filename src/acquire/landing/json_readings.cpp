#include "acquire/landing/json_readings.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "core/utf8.hpp"

namespace xinzhi::acquire {

namespace {

using nlohmann::json;

// Python writes NaN and Infinity as bare words, which JSON does not allow. They become strings
// so that the reading, not the whole text, is refused as not finite.
std::string quote_nonfinite_literals(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) out += s[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (std::string_view word : {"-Infinity", "Infinity", "NaN"}) {
      if (s.substr(i, word.size()) == word) {
        out += '"';
        out += word;
        out += '"';
        i += word.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

std::string short_parse_error(const std::exception& e) {
  std::string msg = e.what();
  if (auto p = msg.find("] "); p != std::string::npos && msg.rfind("[json.exception", 0) == 0) msg = msg.substr(p + 2);
  return msg;
}

// Parses text as JSON; "" on success, else the reason.
std::string parse_json(std::string_view text, json& doc) {
  try {
    doc = json::parse(text);
    return {};
  } catch (const json::parse_error& e) {
    if (text.find("NaN") != std::string_view::npos || text.find("Infinity") != std::string_view::npos) {
      try {
        doc = json::parse(quote_nonfinite_literals(text));
        return {};
      } catch (const json::parse_error&) {
      }
    }
    return "malformed JSON: " + short_parse_error(e);
  }
}

std::string time_field(const json& j, TimestampReader& times, TimestampMs& out, const char* what) {
  if (j.is_number_integer()) {
    out = j.get<TimestampMs>();
    return {};
  }
  if (j.is_string()) return times.read(j.get_ref<const std::string&>(), out, what);
  return fmt::format("bad {}: expected an ISO-8601 string or milliseconds", what);
}

std::string reading_from_json(const json& j, Reading& r, TimestampReader& times, const ReadingRules& rules,
                              TimestampMs now) {
  if (!j.is_object()) return "expected a JSON object";
  const auto ts = j.find("ts");
  if (ts == j.end()) return "missing field 'ts'";
  if (auto e = time_field(*ts, times, r.ts, "timestamp"); !e.empty()) return e;
  for (const char* key : {"machine", "sensor"}) {
    const auto it = j.find(key);
    if (it == j.end()) return fmt::format("missing field '{}'", key);
    if (!it->is_string()) return fmt::format("field '{}' is not a string", key);
    const std::string_view name = trim(it->get_ref<const std::string&>());
    if (auto e = check_name(key, name); !e.empty()) return e;
    (key[0] == 'm' ? r.machine : r.sensor).assign(name);
  }
  r.received.reset();
  if (const auto rc = j.find("received"); rc != j.end() && !rc->is_null()) {
    TimestampMs t;
    if (auto e = time_field(*rc, times, t, "received timestamp"); !e.empty()) return e;
    r.received = t;
  }
  const auto v = j.find("value");
  if (v == j.end()) return "missing field 'value'";
  if (v->is_null()) {
    r.value.reset();
  } else if (v->is_number()) {
    const double d = v->get<double>();
    if (!std::isfinite(d)) return fmt::format("value {} is not finite (NaN or infinity)", quoted_excerpt(v->dump()));
    r.value = d;
  } else if (v->is_string()) {
    if (auto e = read_value(v->get_ref<const std::string&>(), r.value); !e.empty()) return e;
  } else {
    return "field 'value' is not a number";
  }
  return check_reading(r, rules, now);
}

// The common line, a flat object of the reading's fields with plain strings and numbers, read
// without building a JSON tree (several times faster). Anything else (escapes, nesting, other
// keys, any field that does not read) returns false and the full parser decides, so that the
// reasons are the same either way.
bool parse_flat(std::string_view line, Reading& out, TimestampReader& times) {
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
  out.received.reset();
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
      if (key == "received" || key == "ts") {
        TimestampMs t;
        if (!times.read(v, t).empty()) return false;
        if (key == "ts") out.ts = t, have_ts = true;
        else out.received = t;
      } else {
        if (v.empty() || trim(v).size() != v.size()) return false;
        (key == "machine" ? out.machine : out.sensor).assign(v);
        (key == "machine" ? have_m : have_s) = true;
      }
    } else if (key == "value") {
      if (line.compare(i, 4, "null") == 0) {
        out.value.reset();
        i += 4;
      } else {
        // JSON's number syntax: a digit (or '-' and a digit) first, no leading zero before a digit.
        const std::size_t d = i + (i < n && line[i] == '-');
        if (d >= n || static_cast<unsigned>(line[d] - '0') > 9) return false;
        if (line[d] == '0' && d + 1 < n && static_cast<unsigned>(line[d + 1] - '0') <= 9) return false;
        double v;
        const auto [ptr, ec] = std::from_chars(line.data() + i, line.data() + n, v);
        if (ec != std::errc() || !std::isfinite(v)) return false;
        i = static_cast<std::size_t>(ptr - line.data());
        out.value = v;
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
  return i == n && have_ts && have_m && have_s && have_v;
}

}  // namespace

JsonReadingParser::JsonReadingParser(ReadingRules rules, TimestampMs now) : rules_(std::move(rules)), now_(now) {}

std::string JsonReadingParser::parse_line(std::string_view line, Reading& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (const auto bad = invalid_utf8_at(line); bad != std::string_view::npos)
    return fmt::format("invalid UTF-8 at byte {}", bad + 1);
  if (parse_flat(line, out, times_)) return check_reading(out, rules_, now_);
  json j;
  if (auto e = parse_json(line, j); !e.empty()) return e;
  return reading_from_json(j, out, times_, rules_, now_);
}

void JsonReadingParser::parse_document(std::string_view text, JsonReadings& into) {
  if (const auto bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    into.rejected.push_back({"", std::string(text), fmt::format("invalid UTF-8 at byte {}", bad + 1)});
    return;
  }
  json doc;
  if (auto e = parse_json(text, doc); !e.empty()) {
    into.rejected.push_back({"", std::string(text), e});
    return;
  }
  auto one = [&](const json& item, const std::string& where, bool whole) {
    Reading r;
    const std::string reason = reading_from_json(item, r, times_, rules_, now_);
    if (reason.empty()) into.readings.push_back(std::move(r));
    else into.rejected.push_back({where, whole ? std::string(text) : item.dump(), reason});
  };
  auto list = [&](const json& items) {
    for (std::size_t k = 0; k < items.size(); ++k) one(items[k], fmt::format("reading {}", k), false);
  };
  if (doc.is_array()) return list(doc);
  if (!doc.is_object()) {
    into.rejected.push_back({"", std::string(text), "expected a JSON object (a reading) or a list of them"});
    return;
  }
  if (const auto id = doc.find("id"); id != doc.end())
    into.id = id->is_string() ? id->get<std::string>() : id->dump();
  if (const auto readings = doc.find("readings"); readings != doc.end()) {
    if (!readings->is_array()) {
      into.rejected.push_back({"", std::string(text), "'readings' must be a list"});
      return;
    }
    return list(*readings);
  }
  if (doc.size() == 1 && doc.contains("id")) return;  // an id alone: a message with no readings
  one(doc, "", true);
}

}  // namespace xinzhi::acquire
