#include "pipeline/stages/landing_profile.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/html.hpp"
#include "core/time.hpp"

namespace xinzhi::pipeline {

namespace fs = std::filesystem;

namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return NAN;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

struct SeriesFacts {
  std::int64_t duplicates = 0, out_of_order = 0, missing = 0, gap_samples = 0, stuck = 0, spikes = 0;
  double median_value = NAN;
};

// ts and values in arrival order; NaN = missing.
SeriesFacts examine(std::vector<std::int64_t>& ts, std::vector<double>& values) {
  SeriesFacts f;
  const std::size_t n = ts.size();
  std::unordered_set<std::int64_t> seen;
  seen.reserve(n * 2);
  std::int64_t max_ts = INT64_MIN;
  std::vector<std::pair<std::int64_t, double>> ordered;
  ordered.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!seen.insert(ts[i]).second) {
      ++f.duplicates;  // a retransmission: this timestamp arrived before
      continue;
    }
    if (ts[i] < max_ts) ++f.out_of_order;
    max_ts = std::max(max_ts, ts[i]);
    if (std::isnan(values[i])) ++f.missing;
    ordered.emplace_back(ts[i], values[i]);
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (ordered.size() < 3) return f;
  std::vector<double> deltas;
  deltas.reserve(ordered.size());
  for (std::size_t i = 1; i < ordered.size(); ++i) deltas.push_back(static_cast<double>(ordered[i].first - ordered[i - 1].first));
  const double step = median_of(deltas);
  if (step > 0)
    for (double d : deltas)
      if (d > 1.5 * step) f.gap_samples += std::llround(d / step) - 1;
  std::vector<double> known;
  for (const auto& [t, v] : ordered)
    if (!std::isnan(v)) known.push_back(v);
  f.median_value = median_of(known);
  // Stuck: a run of identical values too long to be chance for this series. A quantised
  // sensor at rest repeats often, so the run length needed grows with how often consecutive
  // values are equal (chance of the run below one in a million). A stopped machine's 0 is rest,
  // not a frozen sensor.
  std::size_t equal_pairs = 0;
  for (std::size_t i = 1; i < known.size(); ++i) equal_pairs += known[i] == known[i - 1];
  const double p_equal = known.size() > 1 ? static_cast<double>(equal_pairs) / static_cast<double>(known.size() - 1) : 0;
  const std::size_t min_run =
      p_equal <= 0 ? 4 : std::max<std::size_t>(4, static_cast<std::size_t>(std::ceil(std::log(1e-6) / std::log(p_equal))) + 1);
  std::size_t run = 1;
  for (std::size_t i = 1; i <= known.size(); ++i) {
    if (i < known.size() && known[i] == known[i - 1]) {
      ++run;
      continue;
    }
    if (run >= min_run && known[i - 1] != 0) f.stuck += static_cast<std::int64_t>(run);
    run = 1;
  }
  // Spikes: an isolated point far from both neighbours while the neighbours agree. "Far" is
  // measured against the local step-to-step noise (a running spindle is noisier than an idle
  // one) and against the series' own spread, so that starts and stops are not spikes.
  std::vector<double> steps;
  for (std::size_t i = 1; i < known.size(); ++i) steps.push_back(std::fabs(known[i] - known[i - 1]));
  std::vector<double> sorted_values = known;
  std::sort(sorted_values.begin(), sorted_values.end());
  const double spread = sorted_values.empty() ? 0
                        : sorted_values[sorted_values.size() * 99 / 100] - sorted_values[sorted_values.size() / 100];
  std::vector<double> window;
  for (std::size_t i = 1; i + 1 < known.size(); ++i) {
    const double a = known[i - 1], v = known[i], b = known[i + 1];
    const double jump = std::min(std::fabs(v - a), std::fabs(v - b));
    if (jump <= 0.1 * spread || std::fabs(b - a) >= jump / 4) continue;
    // Local noise: median step among the 16 around i, leaving out the two steps that touch i.
    window.clear();
    for (std::size_t k = i >= 9 ? i - 9 : 0; k < std::min(steps.size(), i + 9); ++k)
      if (k != i - 1 && k != i) window.push_back(steps[k]);
    if (jump > 12 * 1.4826 * median_of(window)) ++f.spikes;
  }
  return f;
}

}  // namespace

LandingProfile profile_landing(store::Warehouse& wh) {
  LandingProfile p;
  p.method = {{"duplicate", "a (machine, sensor, ts) that arrived before"},
              {"out_of_order", "ts earlier than the latest already received for the series"},
              {"missing", "value reported empty / null"},
              {"gap", "samples missing where the interval exceeds 1.5 x the series' median interval"},
              {"stuck", "rows in runs of identical non-zero values longer than chance allows for the series"},
              {"spike", "a point far from both neighbours (12 local robust step sizes and a tenth of the series' spread) while they agree"},
              {"unit_fahrenheit", "temperature series whose median sits near 9/5 x the plant's median + 32"},
              {"truncated_line", "lines quarantined as truncated"}};
  std::map<std::string, std::int64_t> found;
  std::map<std::string, double> temp_medians;
  store::Statement q = wh.db().prepare("SELECT machine, sensor, ts, value FROM readings ORDER BY machine, sensor, rowid");
  std::string machine, sensor;
  std::vector<std::int64_t> ts;
  std::vector<double> values;
  std::unordered_set<std::string> machines;
  auto flush = [&] {
    if (ts.empty()) return;
    SensorProfile& sp = p.sensors[sensor];
    ++sp.series;
    ++p.series;
    const SeriesFacts f = examine(ts, values);
    found["duplicate"] += f.duplicates;
    found["out_of_order"] += f.out_of_order;
    found["missing"] += f.missing;
    found["gap"] += f.gap_samples;
    found["stuck"] += f.stuck;
    found["spike"] += f.spikes;
    if (sensor == "temperature" && !std::isnan(f.median_value)) temp_medians[machine] = f.median_value;
    ts.clear();
    values.clear();
  };
  while (q.step()) {
    std::string m = q.get_text(0), s = q.get_text(1);
    if (m != machine || s != sensor) {
      flush();
      machine = std::move(m);
      sensor = std::move(s);
      machines.insert(machine);
    }
    ts.push_back(q.get_int(2));
    const double v = q.is_null(3) ? NAN : q.get_double(3);
    values.push_back(v);
    ++p.readings;
    SensorProfile& sp = p.sensors[sensor];
    if (!std::isnan(v)) {
      const double n = static_cast<double>(++sp.readings);
      sp.min = n == 1 ? v : std::min(sp.min, v);
      sp.max = n == 1 ? v : std::max(sp.max, v);
      sp.mean += (v - sp.mean) / n;
    }
  }
  flush();
  p.machines = static_cast<std::int64_t>(machines.size());
  // A Fahrenheit temperature series stands out against the plant's typical temperature.
  if (temp_medians.size() >= 2) {
    std::vector<double> meds;
    for (const auto& [_, v] : temp_medians) meds.push_back(v);
    const double typical = median_of(meds);
    std::int64_t series = 0;
    for (const auto& [_, v] : temp_medians)
      if (std::fabs(v - (typical * 9 / 5 + 32)) < std::fabs(v - typical)) ++series;
    found["unit_fahrenheit"] = series;
    p.method["unit_fahrenheit"] += " (counted in series)";
  }
  found["truncated_line"] = store::query_int(wh.db(), "SELECT count(*) FROM quarantine WHERE reason LIKE 'truncated%'").value_or(0);
  p.found = std::move(found);
  return p;
}

nlohmann::json LandingProfile::to_json() const {
  nlohmann::json j = {{"readings", readings}, {"series", series}, {"machines", machines}};
  for (const auto& [name, s] : sensors)
    j["sensors"][name] = {{"readings", s.readings}, {"series", s.series}, {"min", s.min}, {"max", s.max}, {"mean", s.mean}};
  j["defects_found"] = found;
  return j;
}

std::string LandingProfile::to_html() const {
  std::string out = fmt::format("<h3>The landing data</h3><p>{} readings in {} series from {} machines.</p>", readings,
                                series, machines);
  std::vector<std::vector<std::string>> rows;
  std::vector<html::Bar> bars;
  for (const auto& [name, s] : sensors) {
    rows.push_back({name, std::to_string(s.series), std::to_string(s.readings), fmt::format("{:.2f}", s.min),
                    fmt::format("{:.2f}", s.mean), fmt::format("{:.2f}", s.max)});
    bars.push_back({name, static_cast<double>(s.readings)});
  }
  out += html::table({"sensor", "#series", "#values", "#min", "#mean", "#max"}, rows);
  out += html::bar_chart("Values per sensor", bars, "");
  return out;
}

TwinExtras load_twin_records(store::Warehouse& wh, const std::string& twin_dir) {
  TwinExtras extras;
  const fs::path records = fs::path(twin_dir) / "records" / "maintenance.jsonl";
  const fs::path orders = fs::path(twin_dir) / "orders.jsonl";
  auto each_line = [](const fs::path& file, const std::function<void(const nlohmann::json&, const std::string&)>& f) {
    std::ifstream in(file);
    if (!in) return;
    std::string line;
    for (long n = 1; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      const std::string where = place(file.string(), n);
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) throw InputError(where, "not a JSON object");
      try {
        f(j, where);
      } catch (const nlohmann::json::exception& e) {
        throw InputError(where, std::string("unexpected record: ") + e.what());
      }
    }
  };
  std::vector<store::TextRecord> texts;
  each_line(records, [&](const nlohmann::json& j, const std::string&) {
    store::TextRecord r;
    r.record_id = j.at("id").get<std::string>();
    r.ts = parse_iso8601(j.value("ts", "")).value_or(0);
    r.machine = j.value("machine", "");
    r.lang = j.at("lang").get<std::string>();
    r.split = j.at("split").get<std::string>();
    r.text = j.at("text").get<std::string>();
    r.label = j.value("label", "");
    if (j.contains("value") && j["value"].is_number()) r.has_value = true, r.value = j["value"].get<double>();
    r.entities_json = j.value("entities", nlohmann::json::array()).dump();
    texts.push_back(std::move(r));
  });
  if (!texts.empty()) wh.put_text_records(texts);
  extras.text_records = static_cast<std::int64_t>(texts.size());

  std::vector<store::ProductionOrder> list;
  each_line(orders, [&](const nlohmann::json& j, const std::string& where) {
    store::ProductionOrder o;
    o.order_id = j.at("order_id").get<std::string>();
    o.product = j.value("product", "");
    o.quantity = j.value("quantity", 1);
    const auto release = parse_iso8601(j.at("release").get<std::string>());
    const auto due = parse_iso8601(j.at("due").get<std::string>());
    if (!release || !due) throw InputError(where, "bad release or due timestamp");
    o.release_ms = *release;
    o.due_ms = *due;
    o.weight = j.value("weight", 1.0);
    for (const auto& op : j.at("operations")) {
      store::OrderOperation oo;
      for (const auto& e : op) oo.eligible.push_back({e.at("machine").get<std::string>(), e.at("minutes").get<double>()});
      if (oo.eligible.empty()) throw InputError(where, "an operation with no eligible machine");
      o.operations.push_back(std::move(oo));
    }
    list.push_back(std::move(o));
  });
  if (!list.empty()) wh.put_orders(list);
  extras.orders = static_cast<std::int64_t>(list.size());
  return extras;
}

TruthComparison compare_with_truth(const LandingProfile& profile, store::Warehouse&, const std::string& twin_dir) {
  TruthComparison out;
  const fs::path defects = fs::path(twin_dir) / "truth" / "defects.csv";
  std::ifstream in(defects);
  if (!in) return out;
  std::map<std::string, std::int64_t> injected;
  std::string line;
  std::getline(in, line);  // header
  // Run-like defects are one truth row per run, with the rows they affect in the detail
  // (gap: "rows=N", stuck: "samples=N"); count affected rows so both columns mean the same.
  auto detail_count = [](const std::string& row, const std::string& key) -> std::int64_t {
    const auto p = row.find(key + "=");
    if (p == std::string::npos) return 1;
    return std::strtoll(row.c_str() + p + key.size() + 1, nullptr, 10);
  };
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    const std::string kind = line.substr(0, comma);
    if (kind == "gap") injected[kind] += detail_count(line, "rows");
    else if (kind == "stuck") injected[kind] += detail_count(line, "samples");
    else ++injected[kind];
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [kind, n] : injected) {
    const auto f = profile.found.find(kind);
    const auto m = profile.method.find(kind);
    rows.push_back({kind, std::to_string(n), f == profile.found.end() ? "not looked for here" : std::to_string(f->second),
                    m == profile.method.end() ? "found by the clean stage (issue 4)" : m->second});
    out.metrics[kind] = {{"injected", n}, {"found", f == profile.found.end() ? nlohmann::json(nullptr) : nlohmann::json(f->second)}};
  }
  out.html = "<h3>Defects in the landing data next to the twin's truth</h3>"
             "<p class=note>Injected: readings affected per kind according to truth/defects.csv (gaps and stuck "
             "runs counted in readings, a Fahrenheit gateway in machines, clock skew in gateways). Found: counted in "
             "the raw readings by the rule on the right, with no knowledge of the truth.</p>" +
             html::table({"defect", "#injected", "#found", "how it was found"}, rows);
  return out;
}

}  // namespace xinzhi::pipeline
