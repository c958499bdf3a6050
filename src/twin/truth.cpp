#include "twin/truth.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "twin/twin_layout.hpp"

namespace xinzhi::twin {

namespace fs = std::filesystem;

namespace {

// ISO-8601 or integer milliseconds.
bool parse_time(std::string_view s, TimestampMs& out) {
  if (auto t = parse_iso8601(s)) return out = *t, true;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// The data rows of a truth CSV (header skipped), split into fields.
void each_row(const std::string& path, std::size_t min_fields, const char* expected,
              const std::function<void(long, const std::vector<std::string>&)>& fn) {
  const std::string text = read_file(path);
  std::vector<std::string> f;
  for_each_line(text, [&](long n, std::string_view line) {
    if (n == 1 || line.empty()) return;
    if (!split_csv(line, f) || f.size() < min_fields) throw InputError(place(path, n), fmt::format("expected {}", expected));
    fn(n, f);
  });
}

}  // namespace

std::string TruthDefect::detail_value(const std::string& key) const {
  std::size_t p = 0;
  while (p < detail.size()) {
    std::size_t q = detail.find(';', p);
    if (q == std::string::npos) q = detail.size();
    const std::string_view item(detail.data() + p, q - p);
    if (item.size() > key.size() && item.substr(0, key.size()) == key && item[key.size()] == '=')
      return std::string(item.substr(key.size() + 1));
    p = q + 1;
  }
  return "";
}

PlantTruth::PlantTruth(const std::string& folder) {
  const fs::path dir(folder);
  std::error_code ec;
  if (fs::exists(dir / layout::kTruthDefects, ec)) {
    plant_dir_ = dir.string();
    truth_dir_ = (dir / layout::kTruthDir).string();
  } else if (fs::exists(dir / "defects.csv", ec)) {
    truth_dir_ = dir.string();
    plant_dir_ = dir.parent_path().string();
  } else {
    throw InputError(folder, fmt::format("no {} here: not a simulated plant's folder (nor its truth/ folder)",
                                         layout::kTruthDefects));
  }
}

std::vector<TruthDefect> PlantTruth::defects() const {
  const std::string path = (fs::path(truth_dir_) / "defects.csv").string();
  std::vector<TruthDefect> out;
  each_row(path, 5, "kind,gateway,machine,sensor,ts,detail", [&](long n, const std::vector<std::string>& f) {
    TruthDefect d{f[0], f[1], f[2], f[3], 0, 0, f.size() > 5 ? f[5] : ""};
    if (!parse_time(f[4], d.ts)) throw InputError(place(path, n), fmt::format("bad timestamp '{}'", f[4]));
    d.end = d.ts;
    if (d.kind == "gap" || d.kind == "stuck")
      if (const std::string e = d.detail_value("end"); !e.empty() && !parse_time(e, d.end))
        throw InputError(place(path, n), fmt::format("bad end '{}'", e));
    out.push_back(std::move(d));
  });
  return out;
}

std::vector<TruthFailure> PlantTruth::failures() const {
  const std::string path = (fs::path(truth_dir_) / "failures.csv").string();
  std::vector<TruthFailure> out;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  each_row(path, 3, "machine,start,end,mode,component", [&](long n, const std::vector<std::string>& f) {
    TruthFailure x{f[0], 0, 0, f.size() > 3 ? f[3] : "", f.size() > 4 ? f[4] : ""};
    if (!parse_time(f[1], x.start) || !parse_time(f[2], x.end)) throw InputError(place(path, n), "bad start or end time");
    out.push_back(std::move(x));
  });
  return out;
}

std::map<std::string, std::string> PlantTruth::gateway_of() const {
  std::map<std::string, std::string> out;
  const fs::path summary = fs::path(plant_dir_) / layout::kPlantJson;
  std::error_code ec;
  if (fs::exists(summary, ec)) {
    const auto j = nlohmann::json::parse(read_file(summary.string()), nullptr, false);
    if (j.is_object() && j.contains("machines") && j["machines"].is_array())
      for (const auto& m : j["machines"])
        if (m.is_object()) out[m.value("id", "")] = m.value("gateway", "");
  }
  if (out.empty())
    for (const auto& d : defects())
      if (!d.machine.empty()) out.emplace(d.machine, d.gateway);
  return out;
}

std::map<std::string, std::int64_t> PlantTruth::clock_offsets() const {
  std::map<std::string, std::int64_t> out;
  for (const auto& d : defects())
    if (d.kind == "clock_skew") out[d.gateway] = std::strtoll(d.detail_value("offset_ms").c_str(), nullptr, 10);
  return out;
}

void PlantTruth::for_each_signal(
    const std::function<void(TimestampMs, const std::string&, const std::string&, double)>& fn) const {
  const std::string path = (fs::path(truth_dir_) / "signals.csv").string();
  each_row(path, 4, "ts,machine,sensor,value", [&](long n, const std::vector<std::string>& f) {
    TimestampMs t;
    if (f.size() != 4 || !parse_time(f[0], t)) throw InputError(place(path, n), "expected ts,machine,sensor,value");
    if (f[3].empty()) return;
    fn(t, f[1], f[2], std::strtod(f[3].c_str(), nullptr));
  });
}

}  // namespace xinzhi::twin
