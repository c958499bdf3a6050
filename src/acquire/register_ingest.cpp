// calendar/*.csv and assets/*.csv of a plant folder: the plant's planned downtime and its asset
// register (machines, sensors), CSV files with a header line.
#include <charconv>
#include <cmath>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "acquire/plant_folder.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "core/utf8.hpp"
#include "store/assets_table.hpp"
#include "store/downtime_table.hpp"

namespace xinzhi::acquire {

namespace {

// The rows of a CSV file whose header must name `columns` (in any order; other columns are
// ignored): fn(fields by those columns) returns "" or the reason the row is unusable. A header
// without them is an InputError naming file:1.
void each_csv_row(store::Warehouse& wh, const std::string& file, const std::vector<std::string>& columns,
                  PartIngest& part, const std::function<std::string(const std::vector<std::string_view>&)>& fn) {
  const std::string text = read_file(file);
  std::vector<int> index(columns.size(), -1);
  std::size_t width = 0;
  std::vector<std::string_view> fields, picked(columns.size());
  std::string storage;
  std::vector<store::QuarantineRow> bad;
  for_each_line(text, [&](long n, std::string_view line) {
    if (n == 1) {
      if (!split_csv(line, fields, storage)) throw InputError(place(file, 1), "unbalanced quote in the header line");
      width = fields.size();
      for (std::size_t i = 0; i < fields.size(); ++i)
        for (std::size_t c = 0; c < columns.size(); ++c)
          if (trim(fields[i]) == columns[c]) index[c] = static_cast<int>(i);
      std::vector<std::string> missing;
      for (std::size_t c = 0; c < columns.size(); ++c)
        if (index[c] < 0) missing.push_back(columns[c]);
      if (!missing.empty())
        throw InputError(place(file, 1), fmt::format("the header line lacks column(s) {} (expected {})",
                                                     fmt::join(missing, ", "), fmt::join(columns, ",")));
      return;
    }
    if (trim(line).empty() || line.front() == '#') return;
    std::string reason;
    if (const auto at = invalid_utf8_at(line); at != std::string_view::npos) reason = fmt::format("invalid UTF-8 at byte {}", at + 1);
    else if (!split_csv(line, fields, storage)) reason = "unbalanced quote";
    else if (fields.size() != width) reason = fmt::format("ragged row: {} fields, expected {}", fields.size(), width);
    else {
      for (std::size_t c = 0; c < columns.size(); ++c) picked[c] = trim(fields[static_cast<std::size_t>(index[c])]);
      reason = fn(picked);
    }
    if (!reason.empty()) bad.push_back({file, place(file, n), std::string(line), reason, "ingest"});
  });
  if (text.empty()) throw InputError(place(file, 1), "empty file (no header line)");
  part.quarantined = static_cast<std::int64_t>(bad.size());
  if (!bad.empty()) part.first_quarantine = bad.front().place + ": " + bad.front().reason;
  wh.quarantine(bad);
}

}  // namespace

PartIngest ingest_calendar(store::Warehouse& wh, const std::string& file) {
  PartIngest part{"calendar", file, 0, 0, ""};
  std::vector<store::DowntimeWindow> windows;
  each_csv_row(wh, file, {"machine", "start", "end", "kind"}, part, [&](const auto& f) -> std::string {
    store::DowntimeWindow w;
    w.machine = std::string(f[0]);
    if (w.machine.empty()) return "empty machine";
    const auto start = parse_iso8601(f[1]);
    if (!start) return fmt::format("bad start {}", quoted_excerpt(f[1]));
    w.start = *start;
    if (!f[2].empty()) {
      const auto end = parse_iso8601(f[2]);
      if (!end) return fmt::format("bad end {}", quoted_excerpt(f[2]));
      if (*end <= *start) return fmt::format("the window ends ({}) before it starts ({})", f[2], f[1]);
      w.end = *end;
    }
    // A calendar holds planned downtime; its own kind (preventive, inspection, ...) is the detail.
    w.kind = "planned";
    w.detail = std::string(f[3]);
    w.source = file;
    windows.push_back(std::move(w));
    return "";
  });
  store::replace_downtime(wh.db(), file, windows);
  part.items = static_cast<std::int64_t>(windows.size());
  return part;
}

PartIngest ingest_machines(store::Warehouse& wh, const std::string& file) {
  PartIngest part{"machines", file, 0, 0, ""};
  std::vector<store::MachineInfo> machines;
  each_csv_row(wh, file, {"machine", "type", "gateway"}, part, [&](const auto& f) -> std::string {
    if (f[0].empty()) return "empty machine";
    machines.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2])});
    return "";
  });
  store::register_machines(wh.db(), machines);
  part.items = static_cast<std::int64_t>(machines.size());
  return part;
}

PartIngest ingest_sensors(store::Warehouse& wh, const std::string& file) {
  PartIngest part{"sensors", file, 0, 0, ""};
  std::vector<store::SensorInfo> sensors;
  each_csv_row(wh, file, {"machine", "sensor", "unit", "interval_s"}, part, [&](const auto& f) -> std::string {
    if (f[0].empty()) return "empty machine";
    if (f[1].empty()) return "empty sensor";
    store::SensorInfo s;
    s.machine = std::string(f[0]), s.sensor = std::string(f[1]), s.unit = std::string(f[2]);
    if (!f[3].empty()) {
      double seconds = 0;
      const auto [p, ec] = std::from_chars(f[3].data(), f[3].data() + f[3].size(), seconds);
      if (ec != std::errc() || p != f[3].data() + f[3].size() || !(seconds > 0) || !std::isfinite(seconds))
        return fmt::format("interval_s {} is not a positive number of seconds", quoted_excerpt(f[3]));
      s.interval_ms = static_cast<std::int64_t>(std::llround(seconds * 1000));
    }
    sensors.push_back(std::move(s));
    return "";
  });
  store::register_sensors(wh.db(), sensors);
  part.items = static_cast<std::int64_t>(sensors.size());
  return part;
}

}  // namespace xinzhi::acquire
