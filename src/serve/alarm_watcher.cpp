#include "serve/alarm_watcher.hpp"

#include <spdlog/spdlog.h>

#include "serve/api_context.hpp"
#include "serve/live_feed.hpp"
#include "store/assets_table.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

AlarmWatcher::AlarmWatcher(ApiContext& api, std::vector<AlarmRule> rules)
    : api_(api), evaluator_(std::move(rules), now_ms()) {
  for (const auto& s : store::read_sensors(api_.reader())) evaluator_.know(s.machine, s.sensor);
  thread_ = std::thread([this] { run(); });
}

AlarmWatcher::~AlarmWatcher() { stop(); }

void AlarmWatcher::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void AlarmWatcher::run() {
  LiveFeed& feed = api_.feed();
  std::uint64_t seq = feed.head();
  while (!stop_ && !feed.stopping()) {
    std::uint64_t missed = 0;
    const auto batches = feed.wait_after(seq, 1000, missed);
    if (missed) spdlog::warn("serve: the alarm rules skipped {} batches of readings (the feed ran ahead)", missed);
    const TimestampMs now = now_ms();
    std::vector<store::Alarm> raised;
    for (const auto& b : batches) {
      auto a = evaluator_.on_readings(b->readings, now);
      raised.insert(raised.end(), a.begin(), a.end());
      seq = b->seq;
    }
    std::vector<std::tuple<std::string, std::string, std::string>> resumed;
    auto stale = evaluator_.on_tick(now, &resumed);
    raised.insert(raised.end(), stale.begin(), stale.end());
    if (raised.empty() && resumed.empty()) continue;
    try {
      api_.write([&](store::Warehouse& wh) {
        store::Transaction tx(wh.db());
        store::append_alarms(wh.db(), raised);
        for (const auto& [m, s, rule] : resumed) store::clear_open_alarms(wh.db(), m, s, rule, now);
        tx.commit();
        return 0;
      });
      for (const auto& a : raised) spdlog::info("serve: alarm {} on {} {} (score {:.3g})", a.rule, a.machine, a.sensor, a.score);
    } catch (const std::exception& e) {
      spdlog::error("serve: alarms could not be written: {}", e.what());
    }
  }
}

}  // namespace xinzhi::serve
