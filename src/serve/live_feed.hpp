// New readings as they are committed, for browsers over Server-Sent Events: one thread follows
// the warehouse (rows with a rowid above the last it saw, whichever process wrote them, every
// `poll_ms`) and hands each batch to every subscriber, who waits on it. A subscriber that falls
// more than `keep` batches behind skips to the newest and is told how many it missed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/serving_queries.hpp"

namespace xinzhi::serve {

struct FeedBatch {
  std::uint64_t seq = 0;
  std::vector<store::NewReading> readings;
  std::int64_t alarms_after = 0, alarms_to = 0;  // alarm ids in (after, to] are new
};

class LiveFeed {
 public:
  LiveFeed(std::string db_path, int poll_ms = 200, std::size_t keep = 64);
  ~LiveFeed();
  void stop();
  bool stopping() const { return stop_; }
  // The newest batch's number: a new subscriber starts after it.
  std::uint64_t head() const;
  // Waits up to timeout_ms for batches after `seq`; returns them (empty on timeout or stop).
  // missed: batches dropped before they could be read.
  std::vector<std::shared_ptr<const FeedBatch>> wait_after(std::uint64_t seq, int timeout_ms, std::uint64_t& missed);
  std::size_t subscribers() const { return subscribers_; }
  void subscribe(int delta) { subscribers_ += delta; }

 private:
  void run();

  std::string db_path_;
  int poll_ms_;
  std::size_t keep_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> subscribers_{0};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<const FeedBatch>> batches_;
  std::uint64_t seq_ = 0;
  std::thread thread_;
};

}  // namespace xinzhi::serve
