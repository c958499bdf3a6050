#include "clean/warehouse_input.hpp"

namespace xinzhi::clean {

std::vector<Series> to_series(std::vector<store::RawSeries> raw) {
  std::vector<Series> out;
  out.reserve(raw.size());
  for (auto& r : raw) {
    Series s;
    s.machine = std::move(r.machine);
    s.sensor = std::move(r.sensor);
    for (std::size_t i = 0; i < r.size(); ++i) s.push(r.ts[i], r.value[i], r.rowid[i]);
    s.received = std::move(r.received);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace xinzhi::clean
