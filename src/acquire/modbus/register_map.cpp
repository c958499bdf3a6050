#include "acquire/modbus/register_map.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "core/config.hpp"
#include "core/error.hpp"

namespace xinzhi::acquire {

namespace {

struct UnitRule {
  double factor, shift;  // standard = value * factor + shift
};

// Per sensor: its standard unit and the units a device may report it in.
const std::map<std::string, std::pair<std::string, std::map<std::string, UnitRule>>>& unit_table() {
  static const std::map<std::string, std::pair<std::string, std::map<std::string, UnitRule>>> kTable = {
      {"temperature",
       {"degC",
        {{"degC", {1, 0}}, {"C", {1, 0}}, {"°C", {1, 0}}, {"degF", {5.0 / 9.0, -32 * 5.0 / 9.0}},
         {"F", {5.0 / 9.0, -32 * 5.0 / 9.0}}, {"°F", {5.0 / 9.0, -32 * 5.0 / 9.0}}, {"K", {1, -273.15}}}}},
      {"pressure",
       {"kPa",
        {{"kPa", {1, 0}}, {"Pa", {1e-3, 0}}, {"hPa", {0.1, 0}}, {"mbar", {0.1, 0}}, {"bar", {100, 0}},
         {"MPa", {1000, 0}}, {"psi", {6.894757293168361, 0}}}}},
      {"humidity", {"%", {{"%", {1, 0}}, {"%RH", {1, 0}}, {"percent", {1, 0}}, {"fraction", {100, 0}}}}},
      {"speed", {"rpm", {{"rpm", {1, 0}}, {"rps", {60, 0}}, {"rad/s", {60 / (2 * M_PI), 0}}}}},
      {"vibration", {"mm/s", {{"mm/s", {1, 0}}, {"m/s", {1000, 0}}, {"in/s", {25.4, 0}}}}},
      {"power", {"kW", {{"kW", {1, 0}}, {"W", {1e-3, 0}}, {"MW", {1000, 0}}}}},
  };
  return kTable;
}

RegisterType parse_type(const ConfigNode& node) {
  const std::string t = node.require<std::string>("type");
  if (t == "int16") return RegisterType::int16;
  if (t == "uint16") return RegisterType::uint16;
  if (t == "int32") return RegisterType::int32;
  if (t == "float32") return RegisterType::float32;
  node.fail_at("type", fmt::format("unknown register type '{}' (use int16, uint16, int32 or float32)", t));
}

std::uint32_t join_words(const std::uint16_t* r, bool big) {
  return big ? (std::uint32_t(r[0]) << 16) | r[1] : (std::uint32_t(r[1]) << 16) | r[0];
}
void split_words(std::uint32_t v, std::uint16_t* r, bool big) {
  const std::uint16_t hi = static_cast<std::uint16_t>(v >> 16), lo = static_cast<std::uint16_t>(v & 0xffff);
  r[0] = big ? hi : lo;
  r[1] = big ? lo : hi;
}

}  // namespace

const char* register_type_name(RegisterType t) {
  switch (t) {
    case RegisterType::int16: return "int16";
    case RegisterType::uint16: return "uint16";
    case RegisterType::int32: return "int32";
    case RegisterType::float32: return "float32";
  }
  return "?";
}

std::string standard_unit(const std::string& sensor) {
  const auto it = unit_table().find(sensor);
  return it == unit_table().end() ? "" : it->second.first;
}

double to_standard_unit(const std::string& sensor, const std::string& unit, double value, const std::string& place) {
  const auto it = unit_table().find(sensor);
  if (it == unit_table().end()) return value;
  const auto u = it->second.second.find(unit);
  if (u == it->second.second.end()) {
    std::vector<std::string> known;
    for (const auto& [name, rule] : it->second.second) known.push_back(name);
    throw InputError(place, fmt::format("unit '{}' is not a unit of {} (known: {})", unit, sensor,
                                        fmt::join(known, ", ")));
  }
  return value * u->second.factor + u->second.shift;
}

int RegisterMap::holding_registers() const {
  int n = 0;
  for (const auto& r : registers) n = std::max(n, r.address + r.width());
  return n;
}

RegisterMap parse_register_map(const ConfigNode& root) {
  RegisterMap map;
  map.name = root.get<std::string>("name", map.name);
  map.unit_id = root.get<int>("unit_id", 1);
  if (map.unit_id < 0 || map.unit_id > 247) root.fail_at("unit_id", "must be 0..247");
  map.seed = static_cast<std::uint64_t>(root.get<std::int64_t>("seed", 1));
  const std::string order = root.get<std::string>("word_order", "big");
  if (order != "big" && order != "little") root.fail_at("word_order", "must be 'big' or 'little'");
  map.big_word_order = order == "big";
  const int default_poll = root.get<int>("poll_ms", 1000);
  if (default_poll <= 0) root.fail_at("poll_ms", "must be positive");

  for (const ConfigNode& n : root.sequence("registers")) {
    RegisterSpec r;
    r.place = n.place();
    r.machine = n.require<std::string>("machine");
    r.sensor = n.require<std::string>("sensor");
    r.address = n.require<int>("address");
    if (r.address < 0 || r.address > 65535) n.fail_at("address", fmt::format("{} is not a register address 0..65535", r.address));
    r.type = parse_type(n);
    r.scale = n.get<double>("scale", 1.0);
    if (r.scale == 0) n.fail_at("scale", "must not be 0");
    r.offset = n.get<double>("offset", 0.0);
    r.store_unit = standard_unit(r.sensor);
    r.unit = n.get<std::string>("unit", r.store_unit);
    if (r.unit.empty() && !r.store_unit.empty()) n.fail_at("unit", "must not be empty");
    try {
      (void)to_standard_unit(r.sensor, r.unit, 0.0, n.place_of("unit"));
    } catch (const Error& e) {
      n.fail_at("unit", e.message());
    }
    if (r.store_unit.empty()) r.store_unit = r.unit;
    r.poll_ms = n.get<int>("poll_ms", default_poll);
    if (r.poll_ms <= 0) n.fail_at("poll_ms", "must be positive");
    if (auto s = n.optional_child("signal")) {
      r.signal.base = s->get<double>("base", 0.0);
      r.signal.amplitude = s->get<double>("amplitude", 0.0);
      r.signal.period_s = s->get<double>("period_s", 60.0);
      if (r.signal.period_s <= 0) s->fail_at("period_s", "must be positive");
      r.signal.ramp_per_s = s->get<double>("ramp_per_s", 0.0);
      r.signal.noise = s->get<double>("noise", 0.0);
      s->finish();
    }
    n.finish();
    // Overlap: a 32-bit value takes two registers.
    for (std::size_t j = 0; j < map.registers.size(); ++j) {
      const RegisterSpec& o = map.registers[j];
      if (r.address < o.address + o.width() && o.address < r.address + r.width())
        n.fail_at("address", fmt::format("registers {}..{} ({} {}/{}) overlap registers {}..{} of registers[{}] "
                                         "({} {}/{})",
                                         r.address, r.address + r.width() - 1, register_type_name(r.type), r.machine,
                                         r.sensor, o.address, o.address + o.width() - 1, j,
                                         register_type_name(o.type), o.machine, o.sensor));
    }
    map.registers.push_back(std::move(r));
  }
  if (map.registers.empty()) root.fail_at("registers", "lists no register");
  root.finish();
  return map;
}

RegisterMap load_register_map(const std::string& path) { return parse_register_map(ConfigNode::load_file(path)); }

double decode_register_value(const RegisterSpec& spec, const std::uint16_t* regs, bool big_word_order) {
  double raw = 0;
  switch (spec.type) {
    case RegisterType::int16: raw = static_cast<std::int16_t>(regs[0]); break;
    case RegisterType::uint16: raw = regs[0]; break;
    case RegisterType::int32: raw = static_cast<std::int32_t>(join_words(regs, big_word_order)); break;
    case RegisterType::float32: raw = std::bit_cast<float>(join_words(regs, big_word_order)); break;
  }
  return raw * spec.scale + spec.offset;
}

void encode_register_value(const RegisterSpec& spec, double value, std::uint16_t* regs, bool big_word_order) {
  const double raw = (value - spec.offset) / spec.scale;
  auto clamp_round = [&](double lo, double hi) { return std::clamp(std::round(raw), lo, hi); };
  switch (spec.type) {
    case RegisterType::int16:
      regs[0] = static_cast<std::uint16_t>(static_cast<std::int16_t>(clamp_round(-32768, 32767)));
      break;
    case RegisterType::uint16: regs[0] = static_cast<std::uint16_t>(clamp_round(0, 65535)); break;
    case RegisterType::int32:
      split_words(static_cast<std::uint32_t>(static_cast<std::int32_t>(clamp_round(-2147483648.0, 2147483647.0))), regs,
                  big_word_order);
      break;
    case RegisterType::float32: split_words(std::bit_cast<std::uint32_t>(static_cast<float>(raw)), regs, big_word_order); break;
  }
}

}  // namespace xinzhi::acquire
