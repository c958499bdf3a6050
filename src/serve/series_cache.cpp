#include "serve/series_cache.hpp"

#include <algorithm>
#include <mutex>

namespace xinzhi::serve {

std::vector<store::ReadingBucket> bucket_series(const std::vector<TimestampMs>& ts, const std::vector<double>& value,
                                                TimestampMs from, TimestampMs to, int points) {
  std::vector<store::ReadingBucket> out;
  if (to <= from || points < 1) return out;
  const TimestampMs width = std::max<TimestampMs>(1, (to - from + points - 1) / points);
  const std::size_t begin = static_cast<std::size_t>(std::lower_bound(ts.begin(), ts.end(), from) - ts.begin());
  const std::size_t end = static_cast<std::size_t>(std::lower_bound(ts.begin(), ts.end(), to) - ts.begin());
  std::size_t i = begin;
  while (i < end) {
    const std::int64_t k = (ts[i] - from) / width;
    const TimestampMs bucket_end = std::min(to, from + (k + 1) * width);
    store::ReadingBucket b{from + k * width, value[i], 0, value[i], 0};
    double sum = 0;
    for (; i < end && ts[i] < bucket_end; ++i) {
      b.min = std::min(b.min, value[i]);
      b.max = std::max(b.max, value[i]);
      sum += value[i];
      ++b.n;
    }
    b.avg = sum / static_cast<double>(b.n);
    out.push_back(b);
  }
  return out;
}

std::size_t SeriesCache::series_count() const {
  std::shared_lock lock(mutex_);
  return series_.size();
}

void SeriesCache::follow(store::Database& db, std::int64_t top) {
  if (top <= watermark_) return;
  if (!series_.empty())
    for (auto& r : store::read_readings_between(db, watermark_, top)) {
      const auto it = series_.find({r.machine, r.sensor});
      if (it == series_.end() || r.rowid <= it->second->rowid) continue;  // not held, or loaded with it
      auto& v = it->second->values;
      if (v.ts.empty() || r.ts >= v.ts.back()) {
        v.ts.push_back(r.ts);
        v.value.push_back(r.value);
      } else {  // a late reading: into its place (after equal times, as the index orders them)
        const auto pos = std::upper_bound(v.ts.begin(), v.ts.end(), r.ts) - v.ts.begin();
        v.ts.insert(v.ts.begin() + pos, r.ts);
        v.value.insert(v.value.begin() + pos, r.value);
      }
      bytes_ += sizeof(TimestampMs) + sizeof(double);
    }
  for (auto& [key, s] : series_) s->rowid = std::max(s->rowid, top);
  watermark_ = top;
}

void SeriesCache::evict() {
  while (bytes_ > max_bytes_ && series_.size() > 1) {
    auto oldest = series_.begin();
    for (auto it = series_.begin(); it != series_.end(); ++it)
      if (it->second->used < oldest->second->used) oldest = it;
    bytes_ -= oldest->second->values.ts.size() * (sizeof(TimestampMs) + sizeof(double));
    series_.erase(oldest);
  }
}

std::vector<store::ReadingBucket> SeriesCache::buckets(store::Database& db, store::SeriesQueries& queries,
                                                       const std::string& machine, const std::string& sensor,
                                                       TimestampMs from, TimestampMs to, int points) {
  const std::int64_t top = queries.max_rowid();
  const Key key{machine, sensor};
  {
    std::shared_lock lock(mutex_);
    const auto it = series_.find(key);
    if (it != series_.end() && watermark_ >= top) {
      it->second->used = ++clock_;
      return bucket_series(it->second->values.ts, it->second->values.value, from, to, points);
    }
  }
  std::unique_lock lock(mutex_);
  follow(db, top);
  auto it = series_.find(key);
  if (it == series_.end()) {
    auto s = std::make_unique<Series>();
    s->values = store::read_series_values(db, machine, sensor, top);
    s->rowid = top;
    bytes_ += s->values.ts.size() * (sizeof(TimestampMs) + sizeof(double));
    if (s->values.ts.empty()) return {};  // an unknown series is not held
    it = series_.emplace(key, std::move(s)).first;
  }
  it->second->used = ++clock_;
  auto out = bucket_series(it->second->values.ts, it->second->values.value, from, to, points);
  evict();
  return out;
}

}  // namespace xinzhi::serve
