// The series the dashboard asks for, held in memory: a series is loaded from the warehouse the
// first time it is asked for (its readings with a value, in time order) and then follows the
// rows added after it (the readings table only grows, so rows with a higher rowid are the new
// ones, whichever process wrote them). A range request is then a binary search and one pass over
// the readings in it, instead of a read of every row through the index (measured on a week of
// one series, 20,000 rows: about 19 ms of SQLite per request). Least recently used series leave
// when the cache is over its size.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/serving_queries.hpp"

namespace xinzhi::serve {

// [from, to) cut into `points` buckets of equal width (rounded up to whole ms); empty buckets are
// left out. ts must be sorted.
std::vector<store::ReadingBucket> bucket_series(const std::vector<TimestampMs>& ts, const std::vector<double>& value,
                                                TimestampMs from, TimestampMs to, int points);

class SeriesCache {
 public:
  explicit SeriesCache(std::size_t max_bytes = std::size_t{1} << 30) : max_bytes_(max_bytes) {}
  // The buckets of a series, as of the warehouse's latest commit. `db` and `queries` are the
  // calling thread's connection and its statements.
  std::vector<store::ReadingBucket> buckets(store::Database& db, store::SeriesQueries& queries, const std::string& machine,
                                            const std::string& sensor, TimestampMs from, TimestampMs to, int points);
  std::size_t bytes() const { return bytes_; }
  std::size_t series_count() const;

 private:
  struct Series {
    store::SeriesValues values;
    std::int64_t rowid = 0;  // rows up to this rowid are in
    std::atomic<std::uint64_t> used{0};
  };
  using Key = std::pair<std::string, std::string>;
  void follow(store::Database& db, std::int64_t top);  // unique lock held
  void evict();                                        // unique lock held

  std::size_t max_bytes_;
  mutable std::shared_mutex mutex_;
  std::map<Key, std::unique_ptr<Series>> series_;
  std::int64_t watermark_ = 0;  // rows up to here have been followed
  std::size_t bytes_ = 0;
  std::atomic<std::uint64_t> clock_{0};
};

}  // namespace xinzhi::serve
