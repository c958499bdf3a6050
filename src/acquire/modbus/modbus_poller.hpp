// The Modbus TCP source: polls the holding registers of a register map, each at its own rate,
// and stores the decoded values (scaled, in the sensor's standard unit) in the warehouse. A lost
// connection is retried with backoff; non-finite values are quarantined with the register.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "acquire/modbus/register_map.hpp"

namespace xinzhi::acquire {

struct ModbusPollOptions {
  std::string host = "127.0.0.1";
  int port = 502;
  std::string db;
  double duration_s = 0;  // 0: until stopped
  int timeout_ms = 1000;
  int max_backoff_ms = 5000;
};

struct ModbusPollStats {
  std::uint64_t polls = 0, readings = 0, quarantined = 0, read_errors = 0, reconnects = 0;
};

ModbusPollStats poll_modbus(const RegisterMap& map, const ModbusPollOptions& options,
                            const std::atomic<bool>* stop_flag = nullptr);

}  // namespace xinzhi::acquire
