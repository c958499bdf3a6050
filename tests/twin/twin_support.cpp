#include "twin/twin_support.hpp"

#include <nlohmann/json.hpp>

namespace xinzhi::testing::plants {

std::vector<std::string> lines_of(const std::string& text, bool* last_complete) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      out.push_back(text.substr(pos));
      if (last_complete) *last_complete = false;
      return out;
    }
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (last_complete) *last_complete = true;
  return out;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<Row> read_rows(const std::string& path) {
  bool complete = true;
  std::vector<std::string> lines = lines_of(read_text(path), &complete);
  if (!complete) lines.pop_back();  // the truncated last line
  std::vector<Row> rows;
  const bool jsonl = path.size() > 6 && path.substr(path.size() - 6) == ".jsonl";
  for (std::size_t i = jsonl ? 0 : 1; i < lines.size(); ++i) {
    Row r;
    r.line = lines[i];
    // The collector's arrival stamp (`received`) differs between a row and its retransmission:
    // the row's text without it is what the gateway sent.
    if (const auto p = r.line.find(",\"received\":"); jsonl && p != std::string::npos) r.line = r.line.substr(0, p) + "}";
    if (jsonl) {
      const auto j = nlohmann::json::parse(lines[i]);
      r.ts = *parse_iso8601(j.at("ts").get<std::string>());
      r.machine = j.at("machine").get<std::string>();
      r.sensor = j.at("sensor").get<std::string>();
      if (!j.at("value").is_null()) r.value = j.at("value").get<double>();
    } else {
      const auto f = split_csv(lines[i]);
      if (f.size() != 4 && f.size() != 5) throw std::runtime_error(path + ": bad row " + lines[i]);
      if (f.size() == 5) r.line = r.line.substr(0, r.line.rfind(','));
      r.ts = *parse_iso8601(f[0]);
      r.machine = f[1];
      r.sensor = f[2];
      if (!f[3].empty()) r.value = std::stod(f[3]);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<std::map<std::string, std::string>> read_csv_maps(const std::string& path) {
  const auto lines = lines_of(read_text(path));
  std::vector<std::map<std::string, std::string>> out;
  if (lines.empty()) return out;
  const auto header = split_csv(lines[0]);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_csv(lines[i]);
    std::map<std::string, std::string> m;
    for (std::size_t k = 0; k < header.size() && k < f.size(); ++k) m[header[k]] = f[k];
    out.push_back(std::move(m));
  }
  return out;
}

std::map<std::string, std::string> parse_detail(const std::string& detail) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < detail.size()) {
    std::size_t end = detail.find(';', pos);
    if (end == std::string::npos) end = detail.size();
    const std::string kv = detail.substr(pos, end - pos);
    const std::size_t eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    pos = end + 1;
  }
  return out;
}

}  // namespace xinzhi::testing::plants
