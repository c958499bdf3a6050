#include "learn/plant/machine_alarms.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "learn/anomaly/machine_detector.hpp"
#include "store/clean_tables.hpp"

namespace xinzhi::learn {

std::string machine_alarm_rule(double threshold) { return fmt::format("machine>{}", threshold); }

MachineAlarmSummary detect_machine_alarms(store::Database& db, const MachineAlarmOptions& o) {
  const std::vector<std::string> sensors = o.sensors.empty() ? store::clean_aligned_sensors(db) : o.sensors;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < sensors.size(); ++i) index[sensors[i]] = i;

  MachineAlarmSummary s;
  s.rule = machine_alarm_rule(o.threshold);
  s.sensors = sensors;
  constexpr std::int64_t kHour = 3'600'000;
  MachineTrace* trace = nullptr;
  std::vector<double> hour_sum(sensors.size()), hour_n(sensors.size());
  // Closes the trace's current hour when `hour` is a later one (and opens that).
  auto to_hour = [&](std::int64_t hour) {
    if (!trace) return;
    if (!trace->hour.empty() && trace->hour.back() == hour) return;
    if (!trace->hour.empty())
      for (std::size_t k = 0; k < sensors.size(); ++k)
        trace->sensor_mean[k].push_back(hour_n[k] > 0 ? hour_sum[k] / hour_n[k] : NAN);
    std::fill(hour_sum.begin(), hour_sum.end(), 0);
    std::fill(hour_n.begin(), hour_n.end(), 0);
    if (hour < 0) return;
    trace->hour.push_back(hour);
    trace->max_score.push_back(0);
  };
  std::vector<store::Alarm> alarms;
  std::string machine;
  std::unique_ptr<MachineDetector> detector;
  std::vector<double> values(sensors.size(), NAN);
  std::int64_t tick = -1, last_high = INT64_MIN / 2;
  auto score_tick = [&] {
    if (tick < 0) return;
    const double score = detector->update(tick, values);
    ++s.steps;
    to_hour(tick / kHour * kHour);
    trace->max_score.back() = std::max(trace->max_score.back(), score);
    for (std::size_t k = 0; k < values.size(); ++k)
      if (!std::isnan(values[k])) hour_sum[k] += values[k], hour_n[k] += 1;
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
      to_hour(-1);
      machine = r.machine;
      trace = &s.traces[machine];
      trace->sensor_mean.assign(sensors.size(), {});
      detector = std::make_unique<MachineDetector>(sensors.size());
      last_high = INT64_MIN / 2;
      ++s.machines;
    }
    if (r.ts != tick) score_tick();
    tick = r.ts;
    if (const auto it = index.find(r.sensor); it != index.end()) values[it->second] = r.value;
  });
  score_tick();
  to_hour(-1);
  store::replace_alarms(db, s.rule, alarms);
  s.alarms = alarms.size();
  s.opened = std::move(alarms);
  return s;
}

}  // namespace xinzhi::learn
