// A Modbus register map (YAML): which holding registers hold which machine's sensor, how to
// decode them (int16, uint16, int32, float32; scale and offset; the unit they are in) and how
// often to poll each. Values land in the warehouse converted to the sensor's standard unit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xinzhi {
class ConfigNode;
}

namespace xinzhi::acquire {

enum class RegisterType { int16, uint16, int32, float32 };

// The simulated signal `xinzhi modbus serve` puts in a register, in the register's unit:
// base + amplitude * sin(2 pi t / period_s + phase(seed)) + ramp_per_s * t + noise * N(0, 1).
struct RegisterSignal {
  double base = 0, amplitude = 0, period_s = 60, ramp_per_s = 0, noise = 0;
};

struct RegisterSpec {
  std::string machine, sensor;
  int address = 0;  // holding register, 0-based (function code 3)
  RegisterType type = RegisterType::uint16;
  double scale = 1, offset = 0;  // value in `unit` = raw * scale + offset
  std::string unit;              // the unit of the scaled value
  std::string store_unit;        // the sensor's standard unit, in which the warehouse keeps it
  int poll_ms = 1000;
  RegisterSignal signal;
  std::string place;             // file:line:column of this entry, for messages

  int width() const { return type == RegisterType::int32 || type == RegisterType::float32 ? 2 : 1; }
};

struct RegisterMap {
  std::string name = "modbus";
  int unit_id = 1;
  std::uint64_t seed = 1;
  bool big_word_order = true;  // 32-bit values: high word at the lower address
  std::vector<RegisterSpec> registers;
  int holding_registers() const;  // registers the server must provide (highest address + width)
};

// Loads and checks a map: unknown keys, bad types, unknown units and overlapping addresses are
// InputErrors naming the file, line and key path.
RegisterMap load_register_map(const std::string& path);
RegisterMap parse_register_map(const ConfigNode& root);

// Decodes width() registers into the value in the register's unit (raw * scale + offset).
double decode_register_value(const RegisterSpec& spec, const std::uint16_t* regs, bool big_word_order);
// The inverse: the register words for a value in the register's unit (rounded, clamped to the type).
void encode_register_value(const RegisterSpec& spec, double value, std::uint16_t* regs, bool big_word_order);

// The standard unit of a sensor ("" for sensors we have no table for: stored as they come).
std::string standard_unit(const std::string& sensor);
// Converts value from unit to the sensor's standard unit; throws InputError(place) for a unit
// the sensor cannot be in.
double to_standard_unit(const std::string& sensor, const std::string& unit, double value,
                        const std::string& place = "");

const char* register_type_name(RegisterType t);

}  // namespace xinzhi::acquire
