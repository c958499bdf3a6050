#include "acquire/mqtt/payload.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acquire/landing/csv_readings.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace xinzhi::acquire {

namespace {

using nlohmann::json;

void decode_csv(std::string_view body, long first_line, const ReadingRules& rules, TimestampMs now,
                DecodedPayload& out) {
  std::optional<CsvReadingParser> parser;
  Reading r;
  for_each_line(body, [&](long n, std::string_view line) {
    if (CsvReadingParser::skip(line)) return;
    const std::string where = fmt::format("line {}", n + first_line);
    if (!parser) {  // the first line may be a header that names the columns
      if (CsvReadingLayout::is_header(line)) {
        try {
          parser.emplace(CsvReadingLayout(line, where), rules, now);
        } catch (const Error& e) {
          out.rejected.push_back({where, std::string(line), e.message()});
          parser.emplace(CsvReadingLayout(), rules, now);
        }
        return;
      }
      parser.emplace(CsvReadingLayout(), rules, now);
    }
    std::string reason = parser->parse(line, r);
    if (reason.empty()) out.readings.push_back(r);
    else out.rejected.push_back({where, std::string(line), std::move(reason)});
  });
}

// True when the body is JSON Lines: two or more lines, the first a whole object or list by
// itself (a pretty-printed document's first line is an opening bracket or ends with a comma).
bool json_lines(std::string_view body) {
  const std::size_t nl = body.find('\n');
  if (nl == std::string_view::npos || trim(body.substr(nl + 1)).empty()) return false;
  const std::string_view first = trim(body.substr(0, nl));
  return first.size() >= 2 && ((first.front() == '{' && first.back() == '}') || (first.front() == '[' && first.back() == ']'));
}

void decode_json(std::string_view body, long first_line, const ReadingRules& rules, TimestampMs now,
                 DecodedPayload& out) {
  JsonReadingParser parser(rules, now);
  if (!json_lines(body)) {
    JsonReadings doc;
    parser.parse_document(body, doc);
    if (out.msg_id.empty()) out.msg_id = std::move(doc.id);
    out.readings = std::move(doc.readings);
    out.rejected = std::move(doc.rejected);
    return;
  }
  Reading r;
  for_each_line(body, [&](long n, std::string_view line) {
    line = trim(line);
    if (line.empty()) return;
    // {"id": ...} alone on a line: the message id, ahead of the readings.
    if (line.find("\"ts\"") == std::string_view::npos && line.find("\"id\"") != std::string_view::npos) {
      const json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.size() == 1 && j.contains("id")) {
        if (out.msg_id.empty()) out.msg_id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
        return;
      }
    }
    std::string reason = parser.parse_line(line, r);
    if (reason.empty()) out.readings.push_back(r);
    else out.rejected.push_back({fmt::format("line {}", n + first_line), std::string(line), std::move(reason)});
  });
}

}  // namespace

DecodedPayload decode_payload(std::string_view payload, const ReadingRules& rules, TimestampMs now,
                              std::size_t max_payload) {
  DecodedPayload out;
  if (payload.size() > max_payload) {
    out.rejected.push_back({"", std::string(payload.substr(0, 4096)),
                            fmt::format("payload of {} bytes is over the limit of {} bytes", payload.size(), max_payload)});
    return out;
  }
  std::string_view body = payload;
  long first_line = 0;
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

void append_json_reading(std::string& s, const Reading& r) {
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
  if (r.received) {
    format_iso8601(*r.received, ts);
    s += R"(,"received":")";
    s.append(ts, 24);
    s += '"';
  }
  s += '}';
}

}  // namespace

std::string readings_to_json(const std::string& msg_id, const std::vector<Reading>& readings) {
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

std::string readings_to_csv(const std::string& msg_id, const std::vector<Reading>& readings) {
  std::string s;
  s.reserve(32 + readings.size() * 56);
  if (!msg_id.empty()) s += "#id=" + msg_id + "\n";
  char ts[24];
  for (const auto& r : readings) {
    format_iso8601(r.ts, ts);
    s.append(ts, 24);
    s += ',';
    s += csv_quote(r.machine);
    s += ',';
    s += csv_quote(r.sensor);
    s += ',';
    if (r.value) s += fmt::format("{}", *r.value);
    if (r.received) {
      format_iso8601(*r.received, ts);
      s += ',';
      s.append(ts, 24);
    }
    s += '\n';
  }
  return s;
}

}  // namespace xinzhi::acquire
