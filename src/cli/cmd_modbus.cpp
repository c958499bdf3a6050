// `xinzhi modbus poll` (read a device's registers into the warehouse) and `xinzhi modbus serve`
// (a simulated device for tests and demos), both driven by one YAML register map.
#include <signal.h>

#include <atomic>
#include <iostream>

#include <fmt/format.h>

#include "acquire/modbus/modbus_poller.hpp"
#include "acquire/modbus/modbus_server.hpp"
#include "twin/twin_registers.hpp"
#include "cli/commands.hpp"

namespace xinzhi::cli {

namespace {

std::atomic<bool> g_modbus_stop{false};
extern "C" void on_modbus_stop(int) { g_modbus_stop = true; }

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_modbus_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

struct PollCli {
  std::string map;
  acquire::ModbusPollOptions opt;
};

struct ServeCli {
  std::string map;
  acquire::ModbusServeOptions opt;
  std::string twin;
  double speedup = 60;
};

}  // namespace

void add_modbus_command(CLI::App& app) {
  CLI::App* modbus = app.add_subcommand("modbus", "Acquire readings from Modbus TCP devices (poll) or simulate one (serve)");
  modbus->require_subcommand(1);

  auto p = std::make_shared<PollCli>();
  CLI::App* poll = modbus->add_subcommand(
      "poll", "Poll the holding registers of a register map and store the values, scaled and in standard units");
  poll->add_option("--map", p->map, "Register map (YAML): machine, sensor, address, type, scale, unit, poll_ms")
      ->required();
  poll->add_option("--host", p->opt.host, "Device address")->capture_default_str();
  poll->add_option("--port", p->opt.port, "Device TCP port")->capture_default_str();
  poll->add_option("--db", p->opt.db, "Warehouse file (created when missing)")->required();
  poll->add_option("--duration", p->opt.duration_s, "Stop after this many seconds (0: on SIGTERM/SIGINT)")
      ->capture_default_str();
  poll->add_option("--timeout-ms", p->opt.timeout_ms, "Response timeout per request")->capture_default_str();
  poll->callback([p] {
    const auto map = acquire::load_register_map(p->map);
    install_handlers();
    const auto s = acquire::poll_modbus(map, p->opt, &g_modbus_stop);
    std::cout << fmt::format("modbus poll: {} polls, {} readings, {} quarantined, {} read errors, {} reconnects\n",
                             s.polls, s.readings, s.quarantined, s.read_errors, s.reconnects)
              << std::flush;
  });

  auto s = std::make_shared<ServeCli>();
  CLI::App* serve = modbus->add_subcommand(
      "serve", "Serve a simulated device: each register of the map follows its deterministic signal");
  serve->add_option("--map", s->map, "Register map (YAML), with an optional signal per register")->required();
  serve->add_option("--host", s->opt.host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", s->opt.port, "TCP port to listen on")->capture_default_str();
  serve->add_option("--duration", s->opt.duration_s, "Stop after this many seconds (0: on SIGTERM/SIGINT)")
      ->capture_default_str();
  serve->add_option("--twin", s->twin,
                    "Serve a simulated plant instead of the map's signals: the true sensor values of a\n"
                    "`xinzhi simulate` folder, replayed in time, in each register's unit");
  serve->add_option("--speedup", s->speedup, "With --twin: simulated seconds per second")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->callback([s] {
    const auto map = acquire::load_register_map(s->map);
    acquire::RegisterValueFn values;
    if (!s->twin.empty()) {
      auto twin = std::make_shared<twin::TwinRegisterSource>(s->twin, map, s->speedup);
      values = [twin](std::size_t i, const acquire::RegisterSpec& spec, double t) { return twin->value(i, spec, t); };
    }
    install_handlers();
    const auto n = acquire::serve_modbus(map, s->opt, &g_modbus_stop, values);
    std::cout << fmt::format("modbus serve: {} requests answered\n", n) << std::flush;
  });
}

}  // namespace xinzhi::cli
