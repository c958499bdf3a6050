#include "twin/plant_config.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/config.hpp"
#include "core/error.hpp"

namespace xinzhi::twin {

namespace {

constexpr std::array<int, kSensorKinds> kDefaultRates = {60, 300, 60, 30, 30, 60};
constexpr std::array<const char*, 7> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

MachineType make_type(std::string name, std::string en, std::string zh, double kw, double smin, double smax) {
  MachineType t;
  t.name = std::move(name);
  t.label_en = std::move(en);
  t.label_zh = std::move(zh);
  t.power_kw = kw;
  t.speed_min = smin;
  t.speed_max = smax;
  for (int k = 0; k < kSensorKinds; ++k) t.sensors.push_back({static_cast<SensorKind>(k), kDefaultRates[k]});
  return t;
}

std::vector<MachineType> default_types() {
  return {make_type("cnc_mill", "CNC mill", "数控铣床", 22, 2000, 8000),
          make_type("cnc_lathe", "CNC lathe", "数控车床", 18, 800, 4000),
          make_type("grinder", "grinder", "磨床", 11, 1500, 3600),
          make_type("press", "press", "冲压机", 30, 20, 120)};
}

Shift make_shift(std::string name, int start_h, int end_h, int days_active) {
  Shift s;
  s.name = std::move(name);
  s.start_min = start_h * 60;
  s.end_min = end_h * 60;
  for (int d = 0; d < days_active; ++d) s.days[d] = true;
  return s;
}

Gateway make_gateway(std::string id, std::string format) {
  Gateway g;
  g.id = std::move(id);
  g.format = std::move(format);
  return g;
}

// "HH:MM" -> minutes after midnight.
int parse_clock(const ConfigNode& node, const std::string& key) {
  const std::string s = node.require<std::string>(key);
  int h = -1, m = -1;
  char extra = 0;
  if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
      (h == 24 && m != 0))
    node.fail_at(key, "expected a time of day HH:MM, got '" + s + "'");
  return h * 60 + m;
}

double positive(const ConfigNode& node, const std::string& key, double fallback, bool allow_zero = false) {
  const double v = node.get<double>(key, fallback);
  if (v < 0 || (!allow_zero && v == 0)) node.fail_at(key, fmt::format("must be {} 0, got {}", allow_zero ? ">=" : ">", v));
  return v;
}

double probability(const ConfigNode& node, const std::string& key, double fallback) {
  const double v = node.get<double>(key, fallback);
  if (v < 0 || v > 1) node.fail_at(key, fmt::format("must be a probability between 0 and 1, got {}", v));
  return v;
}

int whole(const ConfigNode& node, const std::string& key, int fallback, int lo, int hi) {
  const int v = node.get<int>(key, fallback);
  if (v < lo || v > hi) node.fail_at(key, fmt::format("must be between {} and {}, got {}", lo, hi, v));
  return v;
}

// [min, max] given as a two-number list.
void range(const ConfigNode& node, const std::string& key, double& lo, double& hi) {
  if (!node.has(key)) {
    (void)node.get<std::vector<double>>(key, {});  // marks the key as known
    return;
  }
  const auto v = node.get<std::vector<double>>(key, {});
  if (v.size() != 2 || v[0] < 0 || v[1] < v[0])
    node.fail_at(key, "expected [min, max] with 0 <= min <= max");
  lo = v[0];
  hi = v[1];
}

DefectRates parse_defects(const ConfigNode& node, DefectRates d) {
  d.missing = probability(node, "missing", d.missing);
  d.duplicate = probability(node, "duplicate", d.duplicate);
  d.out_of_order = probability(node, "out_of_order", d.out_of_order);
  d.spike = probability(node, "spike", d.spike);
  d.stuck_per_day = positive(node, "stuck_per_day", d.stuck_per_day, true);
  d.gaps_per_day = positive(node, "gaps_per_day", d.gaps_per_day, true);
  range(node, "gap_minutes", d.gap_min_minutes, d.gap_max_minutes);
  range(node, "stuck_minutes", d.stuck_min_minutes, d.stuck_max_minutes);
  node.finish();
  return d;
}

MachineType parse_type(const ConfigNode& node, const std::string& name) {
  MachineType t = make_type(name, name, name, 15, 1500, 6000);
  if (auto label = node.optional_child("label")) {
    t.label_en = label->get<std::string>("en", name);
    t.label_zh = label->get<std::string>("zh", t.label_en);
    label->finish();
  }
  t.power_kw = positive(node, "power_kw", t.power_kw);
  range(node, "speed_rpm", t.speed_min, t.speed_max);
  if (t.speed_max <= 0) node.fail_at("speed_rpm", "the maximum speed must be > 0");
  if (auto sensors = node.optional_child("sensors")) {
    t.sensors.clear();
    for (const std::string& key : sensors->keys()) {
      const auto kind = sensor_from_name(key);
      if (!kind)
        throw InputError(sensors->place_of(key),
                         fmt::format("{}.{}: unknown sensor '{}' (known: temperature, humidity, pressure, speed, "
                                     "vibration, power)",
                                     sensors->key_path(), key, key));
      const int rate = whole(*sensors, key, 60, 1, 86400);
      t.sensors.push_back({*kind, rate});
    }
    sensors->finish();
    std::sort(t.sensors.begin(), t.sensors.end(),
              [](const SensorSpec& a, const SensorSpec& b) { return a.kind < b.kind; });
    if (t.sensors.empty()) sensors->fail("a machine type needs at least one sensor");
  }
  node.finish();
  return t;
}

Shift parse_shift(const ConfigNode& node, std::size_t index) {
  Shift s;
  s.name = node.get<std::string>("name", fmt::format("shift{}", index + 1));
  s.start_min = parse_clock(node, "start");
  s.end_min = parse_clock(node, "end");
  if (s.start_min == s.end_min) node.fail_at("end", "a shift cannot start and end at the same time");
  const auto days = node.get<std::vector<std::string>>("days", {"mon", "tue", "wed", "thu", "fri"});
  for (std::size_t i = 0; i < days.size(); ++i) {
    auto it = std::find(kDayNames.begin(), kDayNames.end(), days[i]);
    if (it == kDayNames.end())
      node.fail_at(fmt::format("days[{}]", i), "expected one of mon, tue, wed, thu, fri, sat, sun, got '" + days[i] + "'");
    s.days[static_cast<std::size_t>(it - kDayNames.begin())] = true;
  }
  node.finish();
  return s;
}

PlantConfig parse(const ConfigNode& root) {
  if (!root.is_map() && !root.is_null()) root.fail("a plant file must be a map of settings");
  PlantConfig p;
  p.source = root.file();
  p.name = root.get<std::string>("name", p.name);
  const std::string start = root.get<std::string>("start", "2026-01-05");
  const auto start_ms = parse_iso8601(start);
  if (!start_ms) root.fail_at("start", "expected a date such as 2026-01-05, got '" + start + "'");
  p.start = *start_ms;
  p.days = whole(root, "days", p.days, 1, 3660);
  p.warmup_days = whole(root, "warmup_days", p.warmup_days, 0, 3660);
  const std::int64_t seed = root.get<std::int64_t>("seed", 1);
  if (seed < 0) root.fail_at("seed", "must be >= 0");
  p.seed = static_cast<std::uint64_t>(seed);

  if (root.has("shifts")) {
    const auto list = root.sequence("shifts");
    for (std::size_t i = 0; i < list.size(); ++i) p.shifts.push_back(parse_shift(list[i], i));
    if (p.shifts.empty()) root.fail_at("shifts", "needs at least one shift");
  } else {
    (void)root.get<std::string>("shifts", "");
    p.shifts = {make_shift("early", 6, 14, 6), make_shift("late", 14, 22, 5)};
  }

  if (auto types = root.optional_child("machine_types")) {
    for (const std::string& key : types->keys()) p.types.push_back(parse_type(types->child(key), key));
    types->finish();
    if (p.types.empty()) types->fail("needs at least one machine type");
  } else {
    p.types = default_types();
  }

  // Gateways before machines: machine groups name their gateway.
  DefectRates base;
  if (auto d = root.optional_child("defects")) base = parse_defects(*d, base);
  if (root.has("gateways")) {
    for (const ConfigNode& g : root.sequence("gateways")) {
      Gateway gw;
      gw.id = g.require<std::string>("id");
      if (gw.id.empty() || gw.id.find_first_of("/\\ ,\"") != std::string::npos || gw.id[0] == '.')
        g.fail_at("id", "a gateway id must be a plain name (it names a file), got '" + gw.id + "'");
      for (const auto& other : p.gateways)
        if (other.id == gw.id) g.fail_at("id", "gateway '" + gw.id + "' is listed twice");
      gw.format = g.get<std::string>("format", "csv");
      if (gw.format != "csv" && gw.format != "jsonl") g.fail_at("format", "expected csv or jsonl, got '" + gw.format + "'");
      gw.fahrenheit = g.get<bool>("fahrenheit", false);
      gw.clock_skew_s = g.get<double>("clock_skew_s", 0);
      if (std::abs(gw.clock_skew_s) > 86400) g.fail_at("clock_skew_s", "must be within one day");
      gw.truncate_last_line = g.get<bool>("truncate_last_line", false);
      gw.received = g.get<bool>("received", true);
      gw.defects = base;
      if (auto d = g.optional_child("defects")) gw.defects = parse_defects(*d, base);
      g.finish();
      p.gateways.push_back(std::move(gw));
    }
    if (p.gateways.empty()) root.fail_at("gateways", "needs at least one gateway");
  } else {
    (void)root.get<std::string>("gateways", "");
    p.gateways = {make_gateway("gw-hall-a", "csv"), make_gateway("gw-hall-b", "jsonl"),
                  make_gateway("gw-hall-c", "csv")};
    p.gateways[1].clock_skew_s = 2.5;
    p.gateways[1].truncate_last_line = true;
    p.gateways[2].fahrenheit = true;
    p.gateways[2].clock_skew_s = -40;
    p.gateways[2].truncate_last_line = true;
    for (auto& g : p.gateways) g.defects = base;
  }

  if (root.has("machines")) {
    for (const ConfigNode& m : root.sequence("machines")) {
      MachineGroup g;
      const std::string type = m.require<std::string>("type");
      auto it = std::find_if(p.types.begin(), p.types.end(), [&](const MachineType& t) { return t.name == type; });
      if (it == p.types.end()) m.fail_at("type", "unknown machine type '" + type + "'");
      g.type = static_cast<int>(it - p.types.begin());
      g.count = whole(m, "count", 1, 1, 999);
      if (m.has("gateway")) {
        const std::string gw = m.require<std::string>("gateway");
        auto git = std::find_if(p.gateways.begin(), p.gateways.end(), [&](const Gateway& x) { return x.id == gw; });
        if (git == p.gateways.end()) m.fail_at("gateway", "unknown gateway '" + gw + "'");
        g.gateway = static_cast<int>(git - p.gateways.begin());
      } else {
        (void)m.get<std::string>("gateway", "");
      }
      m.finish();
      p.groups.push_back(g);
    }
    if (p.groups.empty()) root.fail_at("machines", "needs at least one machine");
  } else {
    (void)root.get<std::string>("machines", "");
    const int counts[] = {6, 6, 4, 4};
    for (int t = 0; t < static_cast<int>(p.types.size()); ++t) p.groups.push_back({t, t < 4 ? counts[t] : 2, -1});
  }

  if (auto f = root.optional_child("failures")) {
    p.failures.mtbf_hours = positive(*f, "mtbf_hours", p.failures.mtbf_hours);
    p.failures.repair_hours = positive(*f, "repair_hours", p.failures.repair_hours);
    p.failures.idle_wear = positive(*f, "idle_wear", p.failures.idle_wear, true);
    f->finish();
  }
  if (auto m = root.optional_child("maintenance")) {
    p.failures.maintenance_interval_days = positive(*m, "interval_days", p.failures.maintenance_interval_days, true);
    p.failures.maintenance_hours = positive(*m, "hours", p.failures.maintenance_hours);
    p.failures.maintenance_restore = probability(*m, "restore", p.failures.maintenance_restore);
    m->finish();
  }
  if (auto r = root.optional_child("records")) {
    p.records.count = whole(*r, "count", p.records.count, 0, 10'000'000);
    p.records.zh_share = probability(*r, "zh_share", p.records.zh_share);
    p.records.dev_share = probability(*r, "dev_share", p.records.dev_share);
    p.records.test_share = probability(*r, "test_share", p.records.test_share);
    if (p.records.dev_share + p.records.test_share > 0.9)
      r->fail("dev_share + test_share must leave at least 10% for training");
    r->finish();
  }
  if (auto o = root.optional_child("orders")) {
    p.orders.count = whole(*o, "count", p.orders.count, 0, 1'000'000);
    p.orders.products = whole(*o, "products", p.orders.products, 1, 1000);
    double lo = p.orders.min_quantity, hi = p.orders.max_quantity;
    range(*o, "quantity", lo, hi);
    if (lo < 1) o->fail_at("quantity", "the smallest quantity is 1");
    p.orders.min_quantity = static_cast<int>(lo);
    p.orders.max_quantity = static_cast<int>(hi);
    o->finish();
  }
  root.finish();
  build_machines(p);
  return p;
}

}  // namespace

const char* sensor_name(SensorKind kind) { return kSensorNames[static_cast<int>(kind)]; }

std::optional<SensorKind> sensor_from_name(const std::string& name) {
  for (int k = 0; k < kSensorKinds; ++k)
    if (name == kSensorNames[k]) return static_cast<SensorKind>(k);
  return std::nullopt;
}

void build_machines(PlantConfig& p) {
  int total = 0;
  for (const auto& g : p.groups) total += g.count;
  const int width = std::max(2, static_cast<int>(std::to_string(total).size()));
  p.machines.clear();
  for (const auto& g : p.groups)
    for (int i = 0; i < g.count; ++i) {
      Machine m;
      m.id = fmt::format("M{:0{}}", p.machines.size() + 1, width);
      m.type = g.type;
      m.gateway = g.gateway;
      p.machines.push_back(std::move(m));
    }
  // Machines without a named gateway: contiguous blocks over all gateways.
  const int n = static_cast<int>(p.machines.size());
  const int gws = static_cast<int>(p.gateways.size());
  for (int i = 0; i < n; ++i)
    if (p.machines[i].gateway < 0) p.machines[i].gateway = static_cast<int>(static_cast<long>(i) * gws / n);
}

void apply_overrides(PlantConfig& p, const PlantOverrides& o) {
  if (o.days) {
    if (*o.days < 1 || *o.days > 3660) throw UsageError(fmt::format("--days must be between 1 and 3660, got {}", *o.days));
    p.days = *o.days;
  }
  if (o.seed) p.seed = *o.seed;
  if (o.sample_s) {
    if (*o.sample_s < 1 || *o.sample_s > 86400)
      throw UsageError(fmt::format("sample_s must be between 1 and 86400 seconds, got {}", *o.sample_s));
    for (auto& type : p.types)
      for (auto& sensor : type.sensors) sensor.rate_s = std::max(sensor.rate_s, *o.sample_s);
  }
  if (o.machines) {
    const int want = *o.machines;
    if (want < 1 || want > 9999) throw UsageError(fmt::format("--machines must be between 1 and 9999, got {}", want));
    int total = 0;
    for (const auto& g : p.groups) total += g.count;
    // Largest remainder: every group keeps its share of the plant, the counts add up to `want`.
    std::vector<double> exact;
    int assigned = 0;
    for (auto& g : p.groups) {
      exact.push_back(static_cast<double>(g.count) * want / total);
      g.count = static_cast<int>(std::floor(exact.back()));
      assigned += g.count;
    }
    std::vector<std::size_t> order(p.groups.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return exact[a] - std::floor(exact[a]) > exact[b] - std::floor(exact[b]);
    });
    for (std::size_t i = 0; assigned < want; i = (i + 1) % order.size(), ++assigned) ++p.groups[order[i]].count;
    p.groups.erase(std::remove_if(p.groups.begin(), p.groups.end(), [](const MachineGroup& g) { return g.count == 0; }),
                   p.groups.end());
    build_machines(p);
  }
}

PlantConfig load_plant_config(const std::string& path) { return parse(ConfigNode::load_file(path)); }

PlantConfig parse_plant_config(const std::string& yaml_text, const std::string& name) {
  return parse(ConfigNode::load_string(yaml_text, name));
}

}  // namespace xinzhi::twin
