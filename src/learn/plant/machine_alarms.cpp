#include "learn/plant/machine_alarms.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "learn/anomaly/machine_detector.hpp"
#include "store/clean_tables.hpp"

namespace xinzhi::learn {

MachineAlarmSummary detect_machine_alarms(store::Database& db, const MachineAlarmOptions& o) {
  const std::vector<std::string> sensors = o.sensors.empty() ? store::clean_aligned_sensors(db) : o.sensors;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < sensors.size(); ++i) index[sensors[i]] = i;

  MachineAlarmSummary s;
  s.rule = fmt::format("machine>{}", o.threshold);
  std::vector<store::Alarm> alarms;
  std::string machine;
  std::unique_ptr<MachineDetector> detector;
  std::vector<double> values(sensors.size(), NAN);
  std::int64_t tick = -1, last_high = INT64_MIN / 2;
  auto score_tick = [&] {
    if (tick < 0) return;
    const double score = detector->update(tick, values);
    ++s.steps;
    if (score >= o.threshold) {
      if (tick - last_high > o.rest_ms) alarms.push_back({machine, "", tick, score, s.rule, "open"});
      last_high = tick;
    }
    std::fill(values.begin(), values.end(), NAN);
    tick = -1;
  };
  store::for_each_aligned_row(db, [&](const store::AlignedRow& r) {
    if (r.machine != machine) {
      score_tick();
      machine = r.machine;
      detector = std::make_unique<MachineDetector>(sensors.size());
      last_high = INT64_MIN / 2;
      ++s.machines;
    }
    if (r.ts != tick) score_tick();
    tick = r.ts;
    if (const auto it = index.find(r.sensor); it != index.end()) values[it->second] = r.value;
  });
  score_tick();
  store::replace_alarms(db, s.rule, alarms);
  s.alarms = alarms.size();
  return s;
}

}  // namespace xinzhi::learn
