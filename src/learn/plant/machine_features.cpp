#include "learn/plant/machine_features.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "learn/features/rolling_window.hpp"
#include "store/clean_tables.hpp"

namespace xinzhi::learn {

namespace {

constexpr double kHourMs = 3'600'000.0;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr const char* kStats[] = {"mean", "std", "min", "max", "last", "slope"};

std::string hours(std::int64_t ms) { return fmt::format("{}h", static_cast<double>(ms) / kHourMs); }

// Per machine: its maintenance and repair times and alarm times, sorted, for "at or before t".
struct MachineHistory {
  std::vector<TimestampMs> service;  // planned maintenance ends and repairs
  std::vector<TimestampMs> repairs;  // repairs only (the part is new again)
  std::vector<TimestampMs> alarms;
};

std::map<std::string, MachineHistory> index_events(const MachineEvents& e) {
  std::map<std::string, MachineHistory> by;
  for (const auto& w : e.maintenance)
    if (w.end) by[w.machine].service.push_back(*w.end);
  for (const auto& b : e.breakdowns)
    if (b.repaired) {
      by[b.machine].service.push_back(*b.repaired);
      by[b.machine].repairs.push_back(*b.repaired);
    }
  for (const auto& a : e.alarms) by[a.machine].alarms.push_back(a.ts);
  for (auto& [m, h] : by) {
    std::sort(h.service.begin(), h.service.end());
    std::sort(h.repairs.begin(), h.repairs.end());
    std::sort(h.alarms.begin(), h.alarms.end());
  }
  return by;
}

// The rolling windows of one machine: per sensor and window, over all readings and over
// readings while running; and the running share per window.
class MachineWindows {
 public:
  MachineWindows(const std::vector<std::string>& sensors, const MachineFeatureSpec& spec) : spec_(spec) {
    for (std::size_t s = 0; s < sensors.size(); ++s) {
      index_[sensors[s]] = s;
      for (auto w : spec.windows_ms) {
        all_.emplace_back(w);
        run_.emplace_back(w);
      }
    }
    for (auto w : spec.windows_ms) running_.emplace_back(w);
    base_sum_.assign(sensors.size(), 0);
    base_n_.assign(sensors.size(), 0);
    // The rise compares the window closest to a day with the healthy level.
    for (std::size_t w = 1; w < spec.windows_ms.size(); ++w)
      if (std::llabs(spec.windows_ms[w] - kDayMs) < std::llabs(spec.windows_ms[day_] - kDayMs)) day_ = w;
  }
  // The machine was repaired at t: its healthy level is measured again from there.
  void reset_baseline(TimestampMs t) {
    base_from_ = t;
    std::fill(base_sum_.begin(), base_sum_.end(), 0);
    std::fill(base_n_.begin(), base_n_.end(), 0);
  }
  // One grid tick: the sensors' values at time t.
  void push(TimestampMs t, const std::vector<std::pair<std::string, double>>& tick) {
    for (const auto& [sensor, v] : tick)
      if (sensor == spec_.running_sensor && !std::isnan(v)) is_running_ = v > 0;
    for (auto& r : running_) r.push(t, is_running_ ? 1.0 : 0.0);
    if (base_from_ < 0) base_from_ = t;
    const bool in_baseline = is_running_ && t < base_from_ + spec_.baseline_ms;
    for (const auto& [sensor, v] : tick) {
      const auto it = index_.find(sensor);
      if (it == index_.end()) continue;
      if (in_baseline && !std::isnan(v)) {
        base_sum_[it->second] += v;
        base_n_[it->second] += 1;
      }
      const std::size_t base = it->second * spec_.windows_ms.size();
      for (std::size_t w = 0; w < spec_.windows_ms.size(); ++w) {
        all_[base + w].push(t, v);
        if (is_running_) run_[base + w].push(t, v);
        else run_[base + w].advance_to(t);
      }
    }
  }
  void append_features(TimestampMs t, std::vector<float>& out) {
    for (auto& r : running_) r.advance_to(t);
    for (auto& r : all_) r.advance_to(t);
    for (auto& r : run_) r.advance_to(t);
    const std::size_t nw = spec_.windows_ms.size();
    for (std::size_t s = 0; s < index_.size(); ++s)
      for (auto* set : {&all_, &run_})
        for (std::size_t w = 0; w < nw; ++w) {
          const WindowStats st = (*set)[s * nw + w].stats();
          if (st.count == 0) {
            out.insert(out.end(), 6, NAN);
            continue;
          }
          for (double v : {st.mean, st.stddev, st.min, st.max, st.last, st.slope * kHourMs})
            out.push_back(static_cast<float>(v));
        }
    for (auto& r : running_) out.push_back(static_cast<float>(r.stats().count ? r.stats().mean : NAN));
    // Drift: the running mean over each shorter window less that over the longest, the
    // machine's own baseline (machines differ in their levels; wear moves a machine off its own).
    for (std::size_t s = 0; s < index_.size(); ++s) {
      const WindowStats base = run_[s * nw + nw - 1].stats();
      for (std::size_t w = 0; w + 1 < nw; ++w) {
        const WindowStats st = run_[s * nw + w].stats();
        out.push_back(st.count && base.count ? static_cast<float>(st.mean - base.mean) : NAN);
      }
    }
    // Rise: the running mean over the window closest to a day less the healthy level, once that
    // level has been measured (NaN while it is).
    const bool baseline_ready = base_from_ >= 0 && t >= base_from_ + spec_.baseline_ms;
    for (std::size_t s = 0; s < index_.size(); ++s) {
      const WindowStats st = run_[s * nw + day_].stats();
      out.push_back(baseline_ready && base_n_[s] > 0 && st.count
                        ? static_cast<float>(st.mean - base_sum_[s] / base_n_[s])
                        : NAN);
    }
  }

 private:
  const MachineFeatureSpec& spec_;
  std::map<std::string, std::size_t> index_;  // sensor -> position (sorted, as the names)
  std::vector<RollingWindow> all_, run_, running_;
  bool is_running_ = false;
  TimestampMs base_from_ = -1;
  std::vector<double> base_sum_, base_n_;
  std::size_t day_ = 0;  // index of the window closest to a day
};

TimestampMs first_tick_at_or_after(TimestampMs t, std::int64_t step) {
  const TimestampMs q = t / step * step;
  return q < t ? q + step : q;
}

}  // namespace

MachineEvents read_machine_events(store::Database& db, const std::string& alarm_rule) {
  MachineEvents e;
  e.maintenance = store::read_downtime(db, {"planned"});
  e.breakdowns = store::read_breakdowns(db);
  for (auto& a : store::read_alarms(db))
    if (alarm_rule.empty() || a.rule == alarm_rule) e.alarms.push_back(std::move(a));
  return e;
}

std::vector<std::string> feature_names(const std::vector<std::string>& sensors, const MachineFeatureSpec& spec) {
  std::vector<std::string> names;
  for (const auto& s : sensors)
    for (const char* variant : {"", "_run"})
      for (auto w : spec.windows_ms)
        for (const char* stat : kStats) names.push_back(fmt::format("{}{}_{}_{}", s, variant, stat, hours(w)));
  for (auto w : spec.windows_ms) names.push_back("running_share_" + hours(w));
  for (const auto& s : sensors)
    for (std::size_t w = 0; w + 1 < spec.windows_ms.size(); ++w)
      names.push_back(fmt::format("{}_run_drift_{}", s, hours(spec.windows_ms[w])));
  for (const auto& s : sensors) names.push_back(s + "_run_rise");
  names.push_back("hours_since_service");
  names.push_back("alarms_24h");
  return names;
}

MachineFeatures machine_features(store::Database& db, const MachineFeatureSpec& spec, const MachineEvents& events,
                                 TimestampMs from, TimestampMs to, const std::vector<std::string>& wanted) {
  MachineFeatures out;
  out.sensors = wanted.empty() ? store::clean_aligned_sensors(db) : wanted;
  std::sort(out.sensors.begin(), out.sensors.end());
  out.names = feature_names(out.sensors, spec);
  const auto history = index_events(events);

  std::string machine;
  std::unique_ptr<MachineWindows> windows;
  TimestampMs next_tick = 0, last_ts = 0, tick_ts = -1;
  std::vector<std::pair<std::string, double>> tick;
  const std::vector<TimestampMs>* repairs = nullptr;  // the current machine's
  std::size_t next_repair = 0;

  auto emit = [&](TimestampMs t) {
    MachineFeatureRow row{machine, t, {}};
    row.values.reserve(out.names.size());
    windows->append_features(t, row.values);
    const auto h = history.find(machine);
    float since = NAN, alarms = 0;
    if (h != history.end()) {
      const auto& sv = h->second.service;
      const auto it = std::upper_bound(sv.begin(), sv.end(), t);  // first after t
      if (it != sv.begin()) since = static_cast<float>(static_cast<double>(t - *(it - 1)) / kHourMs);
      const auto& al = h->second.alarms;
      alarms = static_cast<float>(std::upper_bound(al.begin(), al.end(), t) -
                                  std::upper_bound(al.begin(), al.end(), t - 24 * 3'600'000LL));
    }
    row.values.push_back(since);
    row.values.push_back(alarms);
    out.rows.push_back(std::move(row));
  };
  // Emits every tick before t (all readings at or before it are in), then takes the tick at t.
  auto flush_tick = [&] {
    if (tick_ts < 0) return;
    while (next_tick < tick_ts && (to == 0 || next_tick <= to)) {
      if (next_tick >= from) emit(next_tick);
      next_tick += spec.step_ms;
    }
    if (repairs)
      while (next_repair < repairs->size() && (*repairs)[next_repair] <= tick_ts) windows->reset_baseline((*repairs)[next_repair++]);
    windows->push(tick_ts, tick);
    last_ts = tick_ts;
    tick.clear();
    tick_ts = -1;
  };
  auto finish_machine = [&] {
    flush_tick();
    if (!windows) return;
    // The tick at the last reading itself, and none beyond the readings.
    while (next_tick <= last_ts && (to == 0 || next_tick <= to)) {
      if (next_tick >= from) emit(next_tick);
      next_tick += spec.step_ms;
    }
  };

  store::for_each_aligned_row(db, [&](const store::AlignedRow& r) {
    if (r.machine != machine) {
      finish_machine();
      machine = r.machine;
      windows = std::make_unique<MachineWindows>(out.sensors, spec);
      const auto h = history.find(machine);
      repairs = h == history.end() ? nullptr : &h->second.repairs;
      next_repair = 0;
      next_tick = first_tick_at_or_after(std::max(r.ts, from), spec.step_ms);
    }
    if (r.ts != tick_ts) flush_tick();
    tick_ts = r.ts;
    tick.emplace_back(r.sensor, r.value);
  });
  finish_machine();
  return out;
}

}  // namespace xinzhi::learn
