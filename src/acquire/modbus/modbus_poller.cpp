#include "acquire/modbus/modbus_poller.hpp"

#include <modbus.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "acquire/series_tally.hpp"
#include "store/readings_table.hpp"
#include "store/sources_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::acquire {

namespace {

using Clock = std::chrono::steady_clock;

struct Context {
  modbus_t* ctx = nullptr;
  ~Context() { close(); }
  void close() {
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
    }
    ctx = nullptr;
  }
};

}  // namespace

ModbusPollStats poll_modbus(const RegisterMap& map, const ModbusPollOptions& o, const std::atomic<bool>* stop_flag) {
  store::Warehouse wh(o.db);
  const std::string source = fmt::format("modbus://{}:{}/{}", o.host, o.port, map.unit_id);
  auto& db = wh.db();
  store::ReadingAppender readings(db);
  store::QuarantineAppender quarantine(db);
  store::StreamSourceCounter counter(db, "modbus");

  ModbusPollStats stats;
  Context c;
  const auto start = Clock::now();
  const auto end = o.duration_s > 0 ? start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(o.duration_s))
                                    : Clock::time_point::max();
  std::vector<Clock::time_point> due(map.registers.size(), start);
  auto stopping = [&] { return (stop_flag && stop_flag->load()) || Clock::now() >= end; };
  int backoff_ms = 100;
  bool ever_connected = false;

  while (!stopping()) {
    if (!c.ctx) {
      c.ctx = modbus_new_tcp(o.host.c_str(), o.port);
      if (!c.ctx) throw InternalError("cannot create a Modbus context");
      modbus_set_slave(c.ctx, map.unit_id);
      modbus_set_response_timeout(c.ctx, o.timeout_ms / 1000, (o.timeout_ms % 1000) * 1000);
      if (modbus_connect(c.ctx) != 0) {
        spdlog::warn("modbus: cannot connect to {}:{}: {}; retrying in {} ms", o.host, o.port, modbus_strerror(errno),
                     backoff_ms);
        c.close();
        const auto until = Clock::now() + std::chrono::milliseconds(backoff_ms);
        while (Clock::now() < until && !stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        backoff_ms = std::min(backoff_ms * 2, o.max_backoff_ms);
        continue;
      }
      if (ever_connected) ++stats.reconnects;
      ever_connected = true;
      backoff_ms = 100;
      spdlog::info("modbus: polling {} registers of '{}' at {}:{}", map.registers.size(), map.name, o.host, o.port);
    }
    // Sleep until the next register is due (in short steps, to notice a stop).
    const auto next = *std::min_element(due.begin(), due.end());
    if (next > Clock::now()) {
      std::this_thread::sleep_until(std::min({next, Clock::now() + std::chrono::milliseconds(100), end}));
      continue;
    }
    const auto now_steady = Clock::now();
    const TimestampMs ts = now_ms();
    std::uint64_t rows = 0, quarantined = 0;
    bool lost = false;
    SeriesTally tally;
    store::Transaction tx(db);
    for (std::size_t i = 0; i < map.registers.size() && !lost; ++i) {
      if (due[i] > now_steady) continue;
      const RegisterSpec& r = map.registers[i];
      // Next poll on the register's own grid; after a stall, skip the missed slots.
      due[i] += std::chrono::milliseconds(r.poll_ms);
      if (due[i] < now_steady) due[i] = now_steady + std::chrono::milliseconds(r.poll_ms);
      std::uint16_t words[2] = {0, 0};
      if (modbus_read_registers(c.ctx, r.address, r.width(), words) != r.width()) {
        const int err = errno;
        ++stats.read_errors;
        spdlog::warn("modbus: reading register {} ({}/{}) failed: {}", r.address, r.machine, r.sensor,
                     modbus_strerror(err));
        // A Modbus exception is the device answering; anything else means the link is gone.
        if (err < MODBUS_ENOBASE) lost = true;
        continue;
      }
      const double in_unit = decode_register_value(r, words, map.big_word_order);
      const std::string place = fmt::format("{} register {} ({} {}/{})", source, r.address,
                                            register_type_name(r.type), r.machine, r.sensor);
      if (!std::isfinite(in_unit)) {
        quarantine.append({source, place, fmt::format("{:04x} {:04x}", words[0], words[1]),
                           "value is not finite (NaN or infinity)", "modbus"},
                          ts);
        ++quarantined;
        continue;
      }
      const double value = to_standard_unit(r.sensor, r.unit, in_unit, r.place);
      const Reading reading{ts, r.machine, r.sensor, value, std::nullopt};
      readings.append(reading);
      tally.add(reading);
      ++rows;
    }
    store::record_series_seen(db, tally.seen());
    counter.add(source, 1, static_cast<std::int64_t>(rows), static_cast<std::int64_t>(quarantined), ts);
    tx.commit();
    ++stats.polls;
    stats.readings += rows;
    stats.quarantined += quarantined;
    if (lost) {
      spdlog::warn("modbus: connection to {}:{} lost; reconnecting", o.host, o.port);
      c.close();
    }
  }
  return stats;
}

}  // namespace xinzhi::acquire
