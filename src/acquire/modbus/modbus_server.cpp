#include "acquire/modbus/modbus_server.hpp"

#include <modbus.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace xinzhi::acquire {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64: a seeded, portable hash
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
double unit_uniform(std::uint64_t x) { return (mix(x) >> 11) * (1.0 / 9007199254740992.0); }

}  // namespace

double simulated_value(const RegisterMap& map, std::size_t i, double t) {
  const RegisterSignal& s = map.registers[i].signal;
  const double phase = 2 * M_PI * unit_uniform(map.seed * 1000003 + i);
  double v = s.base + s.amplitude * std::sin(2 * M_PI * t / s.period_s + phase) + s.ramp_per_s * t;
  if (s.noise > 0) {
    // Box-Muller on hashes of (seed, register, tenth of a second): a fixed sequence per seed.
    const std::uint64_t tick = static_cast<std::uint64_t>(std::max(0.0, t) * 10);
    const double u1 = std::max(1e-12, unit_uniform(map.seed ^ mix(i * 7919 + tick)));
    const double u2 = unit_uniform(map.seed ^ mix(i * 104729 + tick + 1));
    v += s.noise * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }
  return v;
}

std::uint64_t serve_modbus(const RegisterMap& map, const ModbusServeOptions& o, const std::atomic<bool>* stop_flag,
                           RegisterValueFn values) {
  if (!values) values = [&map](std::size_t i, const RegisterSpec&, double t) { return simulated_value(map, i, t); };
  modbus_t* ctx = modbus_new_tcp(o.host.c_str(), o.port);
  if (!ctx) throw InternalError("cannot create a Modbus context");
  modbus_mapping_t* mb = modbus_mapping_new(0, 0, map.holding_registers(), 0);
  const int server = modbus_tcp_listen(ctx, 8);
  if (server < 0 || !mb) {
    const std::string why = modbus_strerror(errno);
    if (mb) modbus_mapping_free(mb);
    modbus_free(ctx);
    throw Error(ErrorKind::input, fmt::format("{}:{}", o.host, o.port), "cannot listen for Modbus TCP: " + why);
  }
  spdlog::info("modbus: serving {} registers of '{}' on {}:{} (unit {})", map.registers.size(), map.name, o.host,
               o.port, map.unit_id);
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> clients;
  std::uint64_t answered = 0;
  std::vector<std::uint8_t> query(MODBUS_TCP_MAX_ADU_LENGTH);
  while (!(stop_flag && stop_flag->load())) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.duration_s > 0 && t >= o.duration_s) break;
    fd_set set;
    FD_ZERO(&set);
    FD_SET(server, &set);
    int maxfd = server;
    for (int c : clients) FD_SET(c, &set), maxfd = std::max(maxfd, c);
    timeval tv{0, 100000};
    const int rc = ::select(maxfd + 1, &set, nullptr, nullptr, &tv);
    if (rc <= 0) continue;  // timeout or a signal
    if (FD_ISSET(server, &set)) {
      int s = server;
      const int c = modbus_tcp_accept(ctx, &s);
      if (c >= 0) clients.push_back(c);
    }
    for (std::size_t k = 0; k < clients.size();) {
      const int c = clients[k];
      if (!FD_ISSET(c, &set)) {
        ++k;
        continue;
      }
      modbus_set_socket(ctx, c);
      const int n = modbus_receive(ctx, query.data());
      if (n > 0) {
        // Fresh values at the moment of the request.
        const double now_t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (std::size_t i = 0; i < map.registers.size(); ++i) {
          const RegisterSpec& r = map.registers[i];
          encode_register_value(r, values(i, r, now_t), mb->tab_registers + r.address, map.big_word_order);
        }
        modbus_reply(ctx, query.data(), n, mb);
        ++answered;
        ++k;
      } else if (n == -1) {
        ::close(c);
        clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        ++k;  // a request for another unit id: ignored
      }
    }
  }
  for (int c : clients) ::close(c);
  ::close(server);
  modbus_mapping_free(mb);
  modbus_free(ctx);
  return answered;
}

}  // namespace xinzhi::acquire
