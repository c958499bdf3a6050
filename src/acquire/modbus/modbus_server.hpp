// A Modbus TCP server that serves a simulated machine's holding registers from a register map,
// for tests and demos: each register follows its map's deterministic signal (sine + ramp + seeded
// noise), or whatever value a caller sets (the factory twin feeds it this way).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "acquire/modbus/register_map.hpp"

namespace xinzhi::acquire {

struct ModbusServeOptions {
  std::string host = "127.0.0.1";
  int port = 502;
  double duration_s = 0;  // 0: until stopped
};

// The value (in the register's unit) of register i at t seconds after the server started.
using RegisterValueFn = std::function<double(std::size_t i, const RegisterSpec& spec, double t)>;

// The map's own signal for register i at time t; the same seed gives the same values.
double simulated_value(const RegisterMap& map, std::size_t i, double t);

// Serves until stop_flag, duration or an error; returns the number of requests answered.
std::uint64_t serve_modbus(const RegisterMap& map, const ModbusServeOptions& options,
                           const std::atomic<bool>* stop_flag = nullptr, RegisterValueFn values = {});

}  // namespace xinzhi::acquire
