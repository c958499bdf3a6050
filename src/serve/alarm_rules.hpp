// Alarm rules the server watches while it runs (`xinzhi serve --alarms RULES.yaml`):
//
//   rules:
//     - {name: hot-spindle, sensor: temperature, above: 45}            # a value over a threshold
//     - {name: low-pressure, machine: M17, sensor: pressure, below: 150}
//     - {name: vibration-jump, sensor: vibration, rate_per_min: 5}     # |change| per minute over this
//     - {name: silent, minutes: 10}                                    # no data for 10 minutes
//     - {name: odd-spindle, sensor: vibration, anomaly_score: 0.95}    # the streaming detector's score
//
// machine and sensor are optional (every one when absent). A threshold or rate alarm is raised
// once when a series enters the excursion (not on every reading in it); "no data" is raised once
// per series when nothing has arrived for the minutes given, measured by the server's clock from
// the last arrival (or from the server's start), and cleared when data comes again. An anomaly
// score rule runs learn's streaming detector (learn/anomaly/streaming_detector.hpp, the one
// `xinzhi learn detect` uses) over each matching series as readings arrive, warmed up on the
// series' latest stored readings when the server starts, and raises an alarm when a reading's
// score enters the range above the threshold. Alarms go to the warehouse's alarms table (rule
// "rule:<name>") and so to the API, the live stream and the dashboard.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/time.hpp"
#include "learn/anomaly/streaming_detector.hpp"
#include "store/predictions_table.hpp"
#include "store/serving_queries.hpp"

namespace xinzhi::serve {

struct AlarmRule {
  enum class Kind { above, below, rate, stale, anomaly };
  std::string name, machine, sensor;  // "" : any
  Kind kind = Kind::above;
  double value = 0;  // threshold, change per minute, minutes without data, or anomaly score in (0, 1)
  bool matches(const std::string& m, const std::string& s) const {
    return (machine.empty() || machine == m) && (sensor.empty() || sensor == s);
  }
};

// Throws InputError naming file:line and key path for a bad rule file.
std::vector<AlarmRule> read_alarm_rules(const std::string& path);

class AlarmEvaluator {
 public:
  explicit AlarmEvaluator(std::vector<AlarmRule> rules, TimestampMs started);
  // Readings in commit order, seen at wall time `now`: the alarms they raise.
  std::vector<store::Alarm> on_readings(const std::vector<store::NewReading>& rows, TimestampMs now);
  // The series known at the start (so that one silent from the start is noticed too).
  void know(const std::string& machine, const std::string& sensor);
  // Whether an anomaly score rule watches this series (its detector wants the series' history).
  bool scores(const std::string& machine, const std::string& sensor) const;
  // A stored reading, oldest first, before any live one: it teaches the series' detector and its
  // last value, and raises nothing.
  void warm(const std::string& machine, const std::string& sensor, TimestampMs ts, double value);
  // At wall time `now`: "no data" alarms due, and the series whose data came back (to clear).
  std::vector<store::Alarm> on_tick(TimestampMs now, std::vector<std::tuple<std::string, std::string, std::string>>* resumed);
  bool empty() const { return rules_.empty(); }

 private:
  struct SeriesState {
    TimestampMs last_arrival = 0, last_ts = 0;
    double last_value = 0;
    bool has_value = false;
    std::map<std::size_t, bool> in_excursion;  // per rule
    std::map<std::size_t, bool> silent;        // per stale rule: alarm raised
    std::unique_ptr<learn::StreamingDetector> detector;  // when an anomaly score rule matches
  };
  // The series' anomaly score for this reading (its detector made on first use).
  double anomaly_score(SeriesState& s, TimestampMs ts, double value);
  std::vector<AlarmRule> rules_;
  TimestampMs started_;
  std::map<std::pair<std::string, std::string>, SeriesState> series_;
};

}  // namespace xinzhi::serve
