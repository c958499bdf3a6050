#include "clean/series.hpp"

#include <cmath>

namespace xinzhi::clean {

void Series::push(TimestampMs t, double v, std::int64_t id, std::uint16_t f) {
  ts.push_back(t);
  value.push_back(v);
  rowid.push_back(id);
  flags.push_back(static_cast<std::uint16_t>(f | (std::isnan(v) ? kWasMissing : 0)));
  method.emplace_back();
}

void Series::push_row_of(Series& from, std::size_t i) {
  ts.push_back(from.ts[i]);
  value.push_back(from.value[i]);
  rowid.push_back(from.rowid[i]);
  flags.push_back(from.flags[i]);
  method.push_back(std::move(from.method[i]));
}

void Series::erase_marked(const std::vector<std::uint8_t>& drop) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (drop[i]) continue;
    ts[k] = ts[i], value[k] = value[i], rowid[k] = rowid[i], flags[k] = flags[i], method[k] = std::move(method[i]);
    ++k;
  }
  ts.resize(k), value.resize(k), rowid.resize(k), flags.resize(k), method.resize(k);
}

Action row_action(const Series& s, std::size_t i, std::string step, std::string reason, double new_value,
                  bool dropped) {
  Action a;
  a.step = std::move(step);
  a.machine = s.machine;
  a.sensor = s.sensor;
  a.rowid = s.rowid[i];
  a.ts = s.ts[i];
  a.old_value = s.value[i];
  a.new_value = new_value;
  a.dropped = dropped;
  a.reason = std::move(reason);
  return a;
}

}  // namespace xinzhi::clean
