#include "acquire/mqtt/payload.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace xinzhi::acquire {

const std::set<std::string>& default_sensors() {
  static const std::set<std::string> kSensors = {"temperature", "humidity", "pressure",
                                                 "speed",       "vibration", "power"};
  return kSensors;
}

namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string joined_sensors(const std::set<std::string>& sensors) { return fmt::format("{}", fmt::join(sensors, ", ")); }

// Checks the parts every reading shares; returns the reason it is unusable, or "".
std::string check_reading(const SensorReading& r, const ReadingRules& rules, TimestampMs now) {
  if (r.machine.empty()) return "empty machine";
  if (!rules.sensors.count(r.sensor))
    return fmt::format("unknown sensor '{}' (known: {})", r.sensor, joined_sensors(rules.sensors));
  if (r.ts < now - rules.max_past_ms)
    return fmt::format("timestamp {} is more than {} s in the past", format_iso8601(r.ts), rules.max_past_ms / 1000);
  if (r.ts > now + rules.max_future_ms)
    return fmt::format("timestamp {} is more than {} s in the future", format_iso8601(r.ts),
                       rules.max_future_ms / 1000);
  return "";
}

bool all_digits(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A timestamp field: ISO-8601 text or integer milliseconds since the epoch.
std::optional<TimestampMs> parse_ts_text(std::string_view s) {
  s = trim(s);
  if (all_digits(s)) {
    TimestampMs v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
    return std::nullopt;
  }
  return parse_iso8601(s);
}

// A value field: "" or null = missing; otherwise a number that must be finite.
// Returns the reason when unusable.
std::string parse_value_text(std::string_view s, std::optional<double>& out) {
  s = trim(s);
  if (s.empty() || s == "null" || s == "NULL") {
    out.reset();
    return "";
  }
  std::string_view digits = s.front() == '+' ? s.substr(1) : s;
  double v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (p != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return fmt::format("value '{}' is not a number", s);
  if (!std::isfinite(v) || ec == std::errc::result_out_of_range)
    return fmt::format("value '{}' is not finite (NaN or infinity)", s);
  out = v;
  return "";
}

void decode_csv(std::string_view body, std::size_t first_line, const ReadingRules& rules, TimestampMs now,
                DecodedPayload& out) {
  std::size_t line_no = first_line;
  while (!body.empty()) {
    const std::size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || line.front() == '#') continue;
    if (line == "ts,machine,sensor,value" || line == "ts,machine,sensor,value,received") continue;  // a header
    std::string_view f[5];
    std::size_t n = 0, start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ',') {
        if (n < 5) f[n] = line.substr(start, i - start);
        ++n;
        start = i + 1;
      }
    }
    const std::string where = fmt::format("line {}", line_no);
    // A fifth field is the collector's arrival stamp (the twin's landing files carry it).
    if (n != 4 && n != 5) {
      out.rejected.push_back({where, std::string(line),
                              fmt::format("malformed CSV: expected 4 fields ts,machine,sensor,value (and optionally "
                                          "received), got {}", n)});
      continue;
    }
    SensorReading r;
    const auto ts = parse_ts_text(f[0]);
    if (!ts) {
      out.rejected.push_back({where, std::string(line), fmt::format("bad timestamp '{}'", trim(f[0]))});
      continue;
    }
    r.ts = *ts;
    if (n == 5 && !trim(f[4]).empty()) {
      const auto rc = parse_ts_text(f[4]);
      if (!rc) {
        out.rejected.push_back({where, std::string(line), fmt::format("bad received timestamp '{}'", trim(f[4]))});
        continue;
      }
      r.received = *rc;
    }
    r.machine = std::string(trim(f[1]));
    r.sensor = std::string(trim(f[2]));
    std::string reason = parse_value_text(f[3], r.value);
    if (reason.empty()) reason = check_reading(r, rules, now);
    if (!reason.empty()) {
      out.rejected.push_back({where, std::string(line), reason});
      continue;
    }
    out.readings.push_back(std::move(r));
  }
}

// One JSON reading object -> reading or reason.
std::string json_reading(const json& j, const ReadingRules& rules, TimestampMs now, SensorReading& r) {
  if (!j.is_object()) return "a reading must be a JSON object";
  const auto ts = j.find("ts");
  if (ts == j.end()) return "missing 'ts'";
  if (ts->is_number_integer()) r.ts = ts->get<TimestampMs>();
  else if (ts->is_string()) {
    const auto parsed = parse_iso8601(ts->get_ref<const std::string&>());
    if (!parsed) return fmt::format("bad timestamp '{}'", ts->get_ref<const std::string&>());
    r.ts = *parsed;
  } else {
    return "bad timestamp " + ts->dump();
  }
  if (const auto rc = j.find("received"); rc != j.end() && !rc->is_null()) {
    if (rc->is_number_integer()) r.received = rc->get<TimestampMs>();
    else if (rc->is_string()) {
      const auto parsed = parse_iso8601(rc->get_ref<const std::string&>());
      if (!parsed) return fmt::format("bad received timestamp '{}'", rc->get_ref<const std::string&>());
      r.received = *parsed;
    } else {
      return "bad received timestamp " + rc->dump();
    }
  }
  for (const char* key : {"machine", "sensor"}) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return fmt::format("missing or non-text '{}'", key);
    (key[0] == 'm' ? r.machine : r.sensor) = it->get<std::string>();
  }
  const auto v = j.find("value");
  if (v == j.end() || v->is_null()) r.value.reset();
  else if (v->is_number()) {
    const double d = v->get<double>();
    if (!std::isfinite(d)) return "value is not finite (NaN or infinity)";
    r.value = d;
  } else if (v->is_string()) {
    std::string reason = parse_value_text(v->get_ref<const std::string&>(), r.value);
    if (!reason.empty()) return reason;
  } else {
    return "value " + v->dump() + " is not a number";
  }
  return check_reading(r, rules, now);
}

std::string id_text(const json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer()) return std::to_string(id.get<std::int64_t>());
  return id.dump();
}

void decode_json_value(const json& doc, const std::string& where_prefix, const ReadingRules& rules,
                       TimestampMs now, DecodedPayload& out) {
  auto one = [&](const json& item, const std::string& where) {
    SensorReading r;
    const std::string reason = json_reading(item, rules, now, r);
    if (reason.empty()) out.readings.push_back(std::move(r));
    else out.rejected.push_back({where, item.dump(), reason});
  };
  if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i) one(doc[i], fmt::format("{}reading {}", where_prefix, i));
    return;
  }
  if (doc.is_object()) {
    if (const auto id = doc.find("id"); id != doc.end() && out.msg_id.empty()) out.msg_id = id_text(*id);
    if (const auto readings = doc.find("readings"); readings != doc.end()) {
      if (!readings->is_array()) {
        out.rejected.push_back({where_prefix, doc.dump(), "'readings' must be a list"});
        return;
      }
      for (std::size_t i = 0; i < readings->size(); ++i)
        one((*readings)[i], fmt::format("{}reading {}", where_prefix, i));
      return;
    }
    if (doc.size() == 1 && doc.contains("id")) return;  // an id-only header line
    one(doc, where_prefix.empty() ? "" : where_prefix.substr(0, where_prefix.size() - 2));
    return;
  }
  out.rejected.push_back({where_prefix, doc.dump(), "expected a JSON object or a list of objects"});
}

// Publishers in Python write NaN and Infinity as bare words, which JSON does not allow. We turn
// them into strings so that the reading, not the whole message, is rejected as not finite.
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
    for (std::string_view word : {"-Infinity", "Infinity", "NaN"}) {
      if (s.substr(i, word.size()) == word) {
        out += '"';
        out += word;
        out += '"';
        i += word.size() - 1;
        goto next;
      }
    }
    out += c;
  next:;
  }
  return out;
}

std::string short_parse_error(const std::exception& e) {
  std::string msg = e.what();
  if (auto p = msg.find("] "); p != std::string::npos && msg.rfind("[json.exception", 0) == 0) msg = msg.substr(p + 2);
  return msg;
}

void decode_json(std::string_view body, std::size_t first_line, const ReadingRules& rules, TimestampMs now,
                 DecodedPayload& out) {
  std::string err;
  auto try_parse = [&](std::string_view text, json& doc) {
    try {
      doc = json::parse(text);
      return true;
    } catch (const json::parse_error& e) {
      if (text.find("NaN") != std::string_view::npos || text.find("Infinity") != std::string_view::npos) {
        try {
          doc = json::parse(quote_nonfinite_literals(text));
          return true;
        } catch (const json::parse_error&) {
        }
      }
      err = short_parse_error(e);
      return false;
    }
  };
  json doc;
  if (try_parse(body, doc)) {
    decode_json_value(doc, "", rules, now, out);
    return;
  }
  // JSON Lines: one document per line.
  std::vector<std::pair<std::size_t, std::string_view>> lines;
  std::size_t line_no = first_line;
  for (std::string_view rest = body; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (!line.empty()) lines.emplace_back(line_no, line);
  }
  if (lines.size() < 2) {
    out.rejected.push_back({"", std::string(body), "malformed JSON: " + err});
    return;
  }
  for (const auto& [no, line] : lines) {
    const std::string where = fmt::format("line {}", no);
    if (!try_parse(line, doc)) {
      out.rejected.push_back({where, std::string(line), "malformed JSON: " + err});
      continue;
    }
    decode_json_value(doc, where + ", ", rules, now, out);
  }
}

}  // namespace

DecodedPayload decode_payload(std::string_view payload, const ReadingRules& rules, TimestampMs now) {
  DecodedPayload out;
  if (payload.size() > rules.max_payload) {
    out.rejected.push_back({"", std::string(payload.substr(0, 4096)),
                            fmt::format("payload of {} bytes is over the limit of {} bytes", payload.size(),
                                        rules.max_payload)});
    return out;
  }
  std::string_view body = payload;
  std::size_t first_line = 0;
  // Optional first line "#id=GATEWAY/SEQ": the message id used to drop redelivered copies.
  if (body.rfind("#id=", 0) == 0) {
    const std::size_t nl = body.find('\n');
    out.msg_id = std::string(trim(body.substr(4, nl == std::string_view::npos ? std::string_view::npos : nl - 4)));
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    first_line = 1;
  }
  const std::string_view t = trim(body);
  if (t.empty()) {
    if (out.msg_id.empty()) out.rejected.push_back({"", std::string(payload), "empty payload"});
    return out;
  }
  if (t.front() == '{' || t.front() == '[') decode_json(body, first_line, rules, now, out);
  else decode_csv(body, first_line, rules, now, out);
  return out;
}

std::string content_key(std::string_view topic, std::string_view payload) {
  // Two independent 64-bit FNV-1a style hashes with different primes and seeds.
  std::uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s) {
      a = (a ^ c) * 0x100000001b3ULL;
      b = (b ^ c) * 0x1000193ULL * 0x9E3779B97F4A7C15ULL + 1;
    }
  };
  feed(topic);
  feed(std::string_view("\0", 1));
  feed(payload);
  return fmt::format("hash:{:016x}{:016x}:{}", a, b, payload.size());
}

namespace {

void append_json_reading(std::string& s, const SensorReading& r) {
  char ts[24];
  format_iso8601(r.ts, ts);
  s += R"({"ts":")";
  s.append(ts, 24);
  s += R"(","machine":)";
  s += json(r.machine).dump();
  s += R"(,"sensor":)";
  s += json(r.sensor).dump();
  s += R"(,"value":)";
  if (!r.value) s += "null";
  else if (!std::isfinite(*r.value)) s += std::isnan(*r.value) ? "\"NaN\"" : (*r.value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  else s += fmt::format("{}", *r.value);
  s += '}';
}

}  // namespace

std::string readings_to_json(const std::string& msg_id, const std::vector<SensorReading>& readings) {
  std::string s;
  s.reserve(32 + readings.size() * 90);
  if (readings.size() == 1) {
    append_json_reading(s, readings[0]);
    if (!msg_id.empty()) s.insert(1, R"("id":)" + json(msg_id).dump() + ",");
    return s;
  }
  s += "{";
  if (!msg_id.empty()) s += R"("id":)" + json(msg_id).dump() + ",";
  s += R"("readings":[)";
  for (std::size_t i = 0; i < readings.size(); ++i) {
    if (i) s += ',';
    append_json_reading(s, readings[i]);
  }
  s += "]}";
  return s;
}

std::string readings_to_csv(const std::string& msg_id, const std::vector<SensorReading>& readings) {
  std::string s;
  s.reserve(32 + readings.size() * 56);
  if (!msg_id.empty()) s += "#id=" + msg_id + "\n";
  char ts[24];
  for (const auto& r : readings) {
    format_iso8601(r.ts, ts);
    s.append(ts, 24);
    s += ',';
    s += r.machine;
    s += ',';
    s += r.sensor;
    s += ',';
    if (r.value) s += fmt::format("{}", *r.value);
    s += '\n';
  }
  return s;
}

}  // namespace xinzhi::acquire
