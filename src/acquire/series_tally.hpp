// What a batch of readings shows of each series (count, time range, sample interval), for the
// warehouse's sensors and machines tables (store/assets_table.hpp). Every source keeps one per
// commit and records it in the commit's transaction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/reading.hpp"
#include "store/assets_table.hpp"

namespace xinzhi::acquire {

class SeriesTally {
 public:
  void add(const Reading& r);
  bool empty() const { return series_.empty(); }
  // The series seen, with the interval estimated from the first timestamps of each.
  std::vector<store::SeriesSeen> seen() const;
  void clear() { series_.clear(), last_ = nullptr; }

 private:
  struct Tally {
    std::int64_t readings = 0;
    TimestampMs first = 0, last = 0;
    std::vector<TimestampMs> sample;  // the first timestamps, for the interval
  };
  std::map<std::pair<std::string, std::string>, Tally> series_;
  const std::pair<const std::pair<std::string, std::string>, Tally>* last_ = nullptr;
};

}  // namespace xinzhi::acquire
