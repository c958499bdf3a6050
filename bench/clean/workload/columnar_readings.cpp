#include "columnar_readings.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <type_traits>
#include <thread>
#include <unordered_map>

#include "acquire/landing/csv_readings.hpp"
#include "acquire/landing/json_readings.hpp"
#include "core/error.hpp"

namespace xinzhi::bench {

namespace {

struct SliceResult {
  BigVector<std::uint32_t> series;  // local ids, later remapped
  BigVector<TimestampMs> ts;
  BigVector<double> value;
  std::vector<std::pair<std::string, std::string>> keys;  // local id -> (machine, sensor)
  std::vector<RejectedRow> rejected;                      // line: local, 0-based, until fixed up
  long lines = 0;
};

struct KeyHash {
  std::size_t operator()(const std::string& s) const noexcept { return std::hash<std::string>{}(s); }
};

// Interns series and appends rows; a JSON reader has no series_changed(), so it looks up every row.
template <typename Parser>
void parse_slice(const char* begin, const char* end, Parser& parser, SliceResult& r) {
  constexpr bool csv = std::is_same_v<Parser, acquire::CsvReadingParser>;
  std::unordered_map<std::string, std::uint32_t, KeyHash> ids;
  std::string key;
  std::uint32_t last_id = 0;
  bool have_last = false;
  Reading reading;
  const std::size_t guess = static_cast<std::size_t>(end - begin) / 40 + 16;
  r.series.reserve(guess), r.ts.reserve(guess), r.value.reserve(guess);
  const char* p = begin;
  long line = 0;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* eol = nl ? nl : end;
    const std::string_view text(p, static_cast<std::size_t>(eol - p));
    p = nl ? nl + 1 : end;
    const long here = line++;
    if (acquire::CsvReadingParser::skip(text)) continue;
    std::string reason;
    if constexpr (csv) reason = parser.parse(text, reading);
    else reason = parser.parse_line(text, reading);
    if (!reason.empty()) {
      r.rejected.push_back({here, std::string(text), std::move(reason)});
      have_last = false;  // the refused row may have changed `reading`'s names: look the next one up
      continue;
    }
    // Rows of one series come in runs: look the series up only when it changes.
    bool changed = true;
    if constexpr (csv) changed = parser.series_changed();
    if (!have_last || changed) {
      key.assign(reading.machine).append(1, '\x1f').append(reading.sensor);
      auto [it, inserted] = ids.try_emplace(key, static_cast<std::uint32_t>(r.keys.size()));
      if (inserted) r.keys.emplace_back(reading.machine, reading.sensor);
      last_id = it->second;
      have_last = true;
    }
    r.series.push_back(last_id);
    r.ts.push_back(reading.ts);
    r.value.push_back(reading.value ? *reading.value : std::numeric_limits<double>::quiet_NaN());
  }
  r.lines = line;
}

}  // namespace

ColumnarReadings parse_readings_columns(std::string_view text, const std::string& name, int threads,
                                        LandingFormat format) {
  if (format == LandingFormat::json) {  // one document: read whole
    acquire::JsonReadingParser parser({}, 0);
    acquire::JsonReadings doc;
    parser.parse_document(text, doc);
    ColumnarReadings out;
    std::map<std::pair<std::string, std::string>, std::uint32_t> ids;
    for (const auto& r : doc.readings) ids.emplace(std::make_pair(r.machine, r.sensor), 0);
    std::uint32_t next = 0;
    for (auto& [key, id] : ids) {
      id = next++;
      out.series_machine.push_back(key.first), out.series_sensor.push_back(key.second);
    }
    for (const auto& r : doc.readings) {
      out.series.push_back(ids[{r.machine, r.sensor}]);
      out.ts.push_back(r.ts);
      out.value.push_back(r.value ? *r.value : std::numeric_limits<double>::quiet_NaN());
    }
    for (auto& rej : doc.rejected) out.rejected.push_back({0, std::move(rej.raw), std::move(rej.reason)});
    return out;
  }
  const bool csv = format == LandingFormat::csv;
  const std::size_t nl = text.find('\n');
  std::optional<acquire::CsvReadingLayout> layout;
  if (csv) layout.emplace(text.substr(0, nl), place(name, 1));
  const char* body = !csv ? text.data() : nl == std::string_view::npos ? text.data() + text.size() : text.data() + nl + 1;
  const char* end = text.data() + text.size();

  // Slices end on line boundaries so that every thread parses whole lines.
  threads = std::max(1, threads);
  std::vector<const char*> cuts{body};
  for (int k = 1; k < threads; ++k) {
    const char* c = body + (end - body) * k / threads;
    if (c <= cuts.back()) continue;
    const char* e = static_cast<const char*>(std::memchr(c, '\n', static_cast<std::size_t>(end - c)));
    c = e ? e + 1 : end;
    if (c > cuts.back() && c < end) cuts.push_back(c);
  }
  cuts.push_back(end);
  const std::size_t slices = cuts.size() - 1;
  std::vector<SliceResult> parts(slices);
  {
    std::vector<std::thread> pool;
    auto run = [&](std::size_t k) {
      if (csv) {
        acquire::CsvReadingParser parser(*layout, {}, 0);
        parse_slice(cuts[k], cuts[k + 1], parser, parts[k]);
      } else {
        acquire::JsonReadingParser parser({}, 0);
        parse_slice(cuts[k], cuts[k + 1], parser, parts[k]);
      }
    };
    for (std::size_t k = 1; k < slices; ++k) pool.emplace_back([&, k] { run(k); });
    run(0);
    for (auto& t : pool) t.join();
  }

  ColumnarReadings out;
  // Rejected rows with their file lines (a CSV header is line 1).
  for (long first = csv ? 2 : 1; auto& part : parts) {
    for (auto& rej : part.rejected) {
      rej.line += first;
      out.rejected.push_back(std::move(rej));
    }
    first += part.lines;
  }
  // Global series ids in (machine, sensor) order.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& part : parts) keys.insert(keys.end(), part.keys.begin(), part.keys.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto global_id = [&](const std::pair<std::string, std::string>& k) {
    return static_cast<std::uint32_t>(std::lower_bound(keys.begin(), keys.end(), k) - keys.begin());
  };
  for (auto& [m, s] : keys) out.series_machine.push_back(m), out.series_sensor.push_back(s);
  std::size_t total = 0;
  for (const auto& part : parts) total += part.ts.size();
  if (slices == 1) {  // no copy needed
    auto& part = parts[0];
    std::vector<std::uint32_t> remap(part.keys.size());
    for (std::size_t i = 0; i < part.keys.size(); ++i) remap[i] = global_id(part.keys[i]);
    for (auto& s : part.series) s = remap[s];
    out.series = std::move(part.series), out.ts = std::move(part.ts), out.value = std::move(part.value);
    return out;
  }
  out.series.resize(total), out.ts.resize(total), out.value.resize(total);
  std::vector<std::size_t> offset(slices, 0);
  for (std::size_t k = 1; k < slices; ++k) offset[k] = offset[k - 1] + parts[k - 1].ts.size();
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < slices; ++k)
    pool.emplace_back([&, k] {
      auto& part = parts[k];
      std::vector<std::uint32_t> remap(part.keys.size());
      for (std::size_t i = 0; i < part.keys.size(); ++i) remap[i] = global_id(part.keys[i]);
      for (std::size_t i = 0; i < part.ts.size(); ++i) out.series[offset[k] + i] = remap[part.series[i]];
      std::copy(part.ts.begin(), part.ts.end(), out.ts.begin() + static_cast<long>(offset[k]));
      std::copy(part.value.begin(), part.value.end(), out.value.begin() + static_cast<long>(offset[k]));
      BigVector<std::uint32_t>().swap(part.series);
      BigVector<TimestampMs>().swap(part.ts);
      BigVector<double>().swap(part.value);
    });
  for (auto& t : pool) t.join();
  return out;
}

}  // namespace xinzhi::bench
