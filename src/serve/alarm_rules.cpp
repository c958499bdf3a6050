#include "serve/alarm_rules.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/config.hpp"

namespace xinzhi::serve {

std::vector<AlarmRule> read_alarm_rules(const std::string& path) {
  const ConfigNode root = ConfigNode::load_file(path);
  std::vector<AlarmRule> out;
  std::set<std::string> names;
  for (const ConfigNode& r : root.sequence("rules")) {
    AlarmRule a;
    a.name = r.require<std::string>("name");
    if (!names.insert(a.name).second) r.fail_at("name", "'" + a.name + "' names another rule already");
    a.machine = r.get<std::string>("machine", "");
    a.sensor = r.get<std::string>("sensor", "");
    int kinds = 0;
    for (auto [key, kind] : {std::pair{"above", AlarmRule::Kind::above}, std::pair{"below", AlarmRule::Kind::below},
                             std::pair{"rate_per_min", AlarmRule::Kind::rate}, std::pair{"minutes", AlarmRule::Kind::stale},
                             std::pair{"anomaly_score", AlarmRule::Kind::anomaly}})
      if (r.has(key)) {
        ++kinds;
        a.kind = kind;
        a.value = r.require<double>(key);
        if (!std::isfinite(a.value)) r.fail_at(key, "must be a finite number");
        if ((kind == AlarmRule::Kind::rate || kind == AlarmRule::Kind::stale) && a.value <= 0) r.fail_at(key, "must be positive");
        if (kind == AlarmRule::Kind::anomaly && !(a.value > 0 && a.value < 1))
          r.fail_at(key, "must be between 0 and 1 (scores are in [0, 1])");
      }
    if (kinds != 1) r.fail("a rule takes exactly one of above, below, rate_per_min, minutes or anomaly_score");
    r.finish();
    out.push_back(a);
  }
  root.finish();
  return out;
}

AlarmEvaluator::AlarmEvaluator(std::vector<AlarmRule> rules, TimestampMs started) : rules_(std::move(rules)), started_(started) {}

void AlarmEvaluator::know(const std::string& machine, const std::string& sensor) {
  auto& s = series_[{machine, sensor}];
  if (s.last_arrival == 0) s.last_arrival = started_;
}

bool AlarmEvaluator::scores(const std::string& machine, const std::string& sensor) const {
  for (const auto& rule : rules_)
    if (rule.kind == AlarmRule::Kind::anomaly && rule.matches(machine, sensor)) return true;
  return false;
}

double AlarmEvaluator::anomaly_score(SeriesState& s, TimestampMs ts, double value) {
  if (!s.detector) s.detector = std::make_unique<learn::StreamingDetector>();
  return s.detector->update(ts, value);
}

void AlarmEvaluator::warm(const std::string& machine, const std::string& sensor, TimestampMs ts, double value) {
  auto& s = series_[{machine, sensor}];
  if (scores(machine, sensor)) anomaly_score(s, ts, value);
  if (!s.has_value || ts >= s.last_ts) {
    s.last_ts = ts;
    s.last_value = value;
    s.has_value = true;
  }
}

std::vector<store::Alarm> AlarmEvaluator::on_readings(const std::vector<store::NewReading>& rows, TimestampMs now) {
  std::vector<store::Alarm> out;
  for (const auto& r : rows) {
    auto& s = series_[{r.machine, r.sensor}];
    // One detector per series, whatever the number of anomaly rules on it: one score per reading.
    const double score_now = scores(r.machine, r.sensor) ? anomaly_score(s, r.ts, r.value) : 0;
    for (std::size_t k = 0; k < rules_.size(); ++k) {
      const AlarmRule& rule = rules_[k];
      if (rule.kind == AlarmRule::Kind::stale || !rule.matches(r.machine, r.sensor)) continue;
      bool over = false;
      double score = r.value;
      if (rule.kind == AlarmRule::Kind::above) over = r.value > rule.value;
      else if (rule.kind == AlarmRule::Kind::below) over = r.value < rule.value;
      else if (rule.kind == AlarmRule::Kind::anomaly) {
        score = score_now;
        over = score > rule.value;
      } else if (s.has_value && r.ts > s.last_ts) {
        score = std::abs(r.value - s.last_value) / (static_cast<double>(r.ts - s.last_ts) / 60'000.0);
        over = score > rule.value;
      }
      bool& in = s.in_excursion[k];
      if (over && !in) out.push_back({r.machine, r.sensor, r.ts, score, "rule:" + rule.name, "open"});
      in = over;
    }
    if (!s.has_value || r.ts >= s.last_ts) {
      s.last_ts = r.ts;
      s.last_value = r.value;
      s.has_value = true;
    }
    s.last_arrival = now;
  }
  return out;
}

std::vector<store::Alarm> AlarmEvaluator::on_tick(TimestampMs now,
                                                   std::vector<std::tuple<std::string, std::string, std::string>>* resumed) {
  std::vector<store::Alarm> out;
  for (auto& [key, s] : series_) {
    if (s.last_arrival == 0) s.last_arrival = started_;
    for (std::size_t k = 0; k < rules_.size(); ++k) {
      const AlarmRule& rule = rules_[k];
      if (rule.kind != AlarmRule::Kind::stale || !rule.matches(key.first, key.second)) continue;
      const double silent_min = static_cast<double>(now - s.last_arrival) / 60'000.0;
      bool& raised = s.silent[k];
      if (silent_min >= rule.value && !raised) {
        out.push_back({key.first, key.second, now, silent_min, "rule:" + rule.name, "open"});
        raised = true;
      } else if (silent_min < rule.value && raised) {
        if (resumed) resumed->emplace_back(key.first, key.second, "rule:" + rule.name);
        raised = false;
      }
    }
  }
  return out;
}

}  // namespace xinzhi::serve
