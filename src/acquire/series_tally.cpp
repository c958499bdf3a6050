#include "acquire/series_tally.hpp"

#include <algorithm>

#include "core/sampling.hpp"

namespace xinzhi::acquire {

namespace {
constexpr std::size_t kSample = 512;  // timestamps per series for the interval estimate
}

void SeriesTally::add(const Reading& r) {
  auto* entry = last_;
  if (!entry || entry->first.first != r.machine || entry->first.second != r.sensor)
    entry = &*series_.try_emplace({r.machine, r.sensor}).first;
  last_ = entry;
  Tally& t = const_cast<Tally&>(entry->second);
  if (t.readings == 0) t.first = t.last = r.ts;
  t.first = std::min(t.first, r.ts);
  t.last = std::max(t.last, r.ts);
  ++t.readings;
  if (t.sample.size() < kSample) t.sample.push_back(r.ts);
}

std::vector<store::SeriesSeen> SeriesTally::seen() const {
  std::vector<store::SeriesSeen> out;
  for (const auto& [key, t] : series_) {
    std::vector<TimestampMs> ts = t.sample;
    std::sort(ts.begin(), ts.end());
    out.push_back({key.first, key.second, t.readings, t.first, t.last, ts.size() >= 3 ? estimate_interval(ts) : 0});
  }
  return out;
}

}  // namespace xinzhi::acquire
