#include "serve/alarm_watcher.hpp"

#include <spdlog/spdlog.h>

#include "serve/api_context.hpp"
#include "serve/live_feed.hpp"
#include "store/assets_table.hpp"
#include "store/serving_queries.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

namespace {
// Stored readings per series an anomaly score rule's detector learns before the live ones (its
// warm-up and likelihood history are shorter than this).
constexpr std::size_t kWarmReadings = 5000;
}  // namespace

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
  // The anomaly score rules' detectors learn each series' latest stored readings first, so that
  // the first live reading is scored against the series' usual behaviour, not a cold start.
  // (The rowid is taken before the feed's position: a reading in between is not learnt, rather
  // than learnt twice.)
  std::uint64_t seq = 0;
  try {
    store::Database& db = api_.reader();
    const std::int64_t up_to = store::SeriesQueries(db).max_rowid();
    seq = feed.head();
    for (const auto& s : store::read_sensors(db)) {
      if (!evaluator_.scores(s.machine, s.sensor)) continue;
      const auto v = store::read_series_values(db, s.machine, s.sensor, up_to);
      for (std::size_t i = v.ts.size() > kWarmReadings ? v.ts.size() - kWarmReadings : 0; i < v.ts.size(); ++i)
        evaluator_.warm(s.machine, s.sensor, v.ts[i], v.value[i]);
    }
  } catch (const std::exception& e) {
    spdlog::error("serve: the anomaly score rules could not read the stored series: {}", e.what());
    seq = feed.head();
  }
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
