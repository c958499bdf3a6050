#include "serve/live_feed.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace xinzhi::serve {

LiveFeed::LiveFeed(std::string db_path, int poll_ms, std::size_t keep)
    : db_path_(std::move(db_path)), poll_ms_(poll_ms), keep_(keep), thread_([this] { run(); }) {}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::stop() {
  stop_ = true;
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t LiveFeed::head() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seq_;
}

std::vector<std::shared_ptr<const FeedBatch>> LiveFeed::wait_after(std::uint64_t seq, int timeout_ms, std::uint64_t& missed) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return stop_ || seq_ > seq; });
  std::vector<std::shared_ptr<const FeedBatch>> out;
  missed = 0;
  if (stop_) return out;
  for (const auto& b : batches_)
    if (b->seq > seq) out.push_back(b);
  if (!out.empty() && out.front()->seq > seq + 1) missed = out.front()->seq - seq - 1;
  return out;
}

void LiveFeed::run() {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<store::SeriesQueries> queries;
  std::int64_t watermark = -1, alarm_mark = -1;
  while (!stop_) {
    try {
      if (!db) {
        db = std::make_unique<store::Database>(db_path_, store::Database::Mode::read_only);
        queries = std::make_unique<store::SeriesQueries>(*db);
      }
      const std::int64_t top = queries->max_rowid();
      const std::int64_t alarms = store::query_int(*db, "SELECT max(id) FROM alarms").value_or(0);
      if (watermark < 0) watermark = top, alarm_mark = alarms;  // only what comes after the start
      if (top > watermark || alarms > alarm_mark) {
        auto b = std::make_shared<FeedBatch>();
        // At most 20,000 rows a batch: a bulk ingest shows as many batches, not one huge event.
        const std::int64_t to = std::min(top, watermark + 20000);
        if (to > watermark) b->readings = store::read_readings_between(*db, watermark, to);
        b->alarms_after = alarm_mark;
        b->alarms_to = alarms;
        watermark = to;
        alarm_mark = alarms;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          b->seq = ++seq_;
          batches_.push_back(std::move(b));
          while (batches_.size() > keep_) batches_.pop_front();
        }
        changed_.notify_all();
        if (to < top) continue;  // more waiting: no sleep
      }
    } catch (const std::exception& e) {
      spdlog::warn("serve: the live feed could not read the warehouse: {}", e.what());
      queries.reset();
      db.reset();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(poll_ms_), [&] { return stop_.load(); });
  }
}

}  // namespace xinzhi::serve
