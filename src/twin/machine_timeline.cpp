#include "twin/machine_timeline.hpp"

#include <algorithm>
#include <cmath>

#include "twin/failure_modes.hpp"
#include "twin/twin_random.hpp"

namespace xinzhi::twin {

namespace {
constexpr TimestampMs kMinute = 60'000;
constexpr TimestampMs kHour = 3'600'000;
constexpr TimestampMs kDay = 86'400'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }
}  // namespace

const char* mode_name(Mode mode) {
  static const char* names[] = {"off", "idle", "setup", "run", "down", "maintenance"};
  return names[static_cast<int>(mode)];
}

MachineTimeline from_time(MachineTimeline tl, TimestampMs from) {
  std::vector<Segment> kept;
  for (const Segment& s : tl.segments) {
    if (s.end <= from) continue;
    Segment k = s;
    if (k.start < from) {
      k.wear0 = s.wear_at(from);
      k.start = from;
    }
    kept.push_back(k);
  }
  tl.segments = std::move(kept);
  return tl;
}

const Segment& MachineTimeline::at(TimestampMs t) const {
  auto it = std::upper_bound(segments.begin(), segments.end(), t,
                             [](TimestampMs v, const Segment& s) { return v < s.start; });
  if (it == segments.begin()) return segments.front();
  return *(it - 1);
}

std::vector<std::pair<TimestampMs, TimestampMs>> shift_intervals(const PlantConfig& plant) {
  std::vector<std::pair<TimestampMs, TimestampMs>> raw;
  const std::int64_t first = floor_div(plant.start, kDay) - 1;
  const std::int64_t last = floor_div(plant.end(), kDay) + 1;
  for (std::int64_t day = first; day <= last; ++day) {
    const int weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday; 0 = Monday
    for (const Shift& s : plant.shifts) {
      if (!s.days[weekday]) continue;
      const TimestampMs a = day * kDay + s.start_min * kMinute;
      TimestampMs b = day * kDay + s.end_min * kMinute;
      if (b <= a) b += kDay;
      raw.emplace_back(a, b);
    }
  }
  std::sort(raw.begin(), raw.end());
  std::vector<std::pair<TimestampMs, TimestampMs>> merged;
  for (const auto& iv : raw) {
    if (!merged.empty() && iv.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, iv.second);
    else
      merged.push_back(iv);
  }
  return merged;
}

MachineTimeline simulate_machine(const PlantConfig& plant, int machine,
                                 const std::vector<std::pair<TimestampMs, TimestampMs>>& shifts) {
  const MachineType& type = plant.types[plant.machines[machine].type];
  const FailureModel& fm = plant.failures;
  Rng rng(plant.seed, "machine", static_cast<std::uint64_t>(machine));
  MachineTimeline tl;
  const TimestampMs end = plant.end();
  const double run_wear = 1.0 / (fm.mtbf_hours * static_cast<double>(kHour));
  const double idle_wear = run_wear * fm.idle_wear;
  const int n_modes = static_cast<int>(kFailureModes.size());

  // Planned maintenance: every interval_days, staggered per machine, at the start of the first shift.
  if (fm.maintenance_interval_days > 0 && !plant.shifts.empty()) {
    const double interval = fm.maintenance_interval_days;
    double day = rng.uniform(1.0, std::max(1.0, interval));
    const TimestampMs first_day = floor_div(plant.start, kDay);
    for (; day < plant.days; day += interval) {
      const TimestampMs ws = (first_day + static_cast<TimestampMs>(day)) * kDay + plant.shifts[0].start_min * kMinute;
      const TimestampMs we = ws + static_cast<TimestampMs>(fm.maintenance_hours * static_cast<double>(kHour));
      if (ws < plant.start || we > end) continue;
      tl.maintenance.push_back({machine, ws, we, "preventive"});
    }
  }

  double wear = rng.uniform(0.0, 0.45);
  double threshold = rng.uniform(0.75, 1.25);
  int latent = static_cast<int>(rng.below(n_modes));
  enum class Next { setup, run, idle } next = Next::setup;
  std::size_t window = 0, shift = 0;
  TimestampMs t = plant.start;

  auto push = [&](TimestampMs a, TimestampMs b, Mode mode, double rate, double speed) {
    if (b <= a) return;
    tl.segments.push_back({a, b, mode, wear, rate, speed, latent});
  };

  while (t < end) {
    while (window < tl.maintenance.size() && tl.maintenance[window].end <= t) ++window;
    if (window < tl.maintenance.size() && t >= tl.maintenance[window].start) {
      wear *= (1.0 - fm.maintenance_restore);
      push(t, tl.maintenance[window].end, Mode::maintenance, 0, 0);
      t = tl.maintenance[window].end;
      next = Next::setup;
      continue;
    }
    const TimestampMs limit = std::min(end, window < tl.maintenance.size() ? tl.maintenance[window].start : end);
    while (shift < shifts.size() && shifts[shift].second <= t) ++shift;
    if (shift >= shifts.size() || t < shifts[shift].first) {
      const TimestampMs until = std::min(limit, shift < shifts.size() ? shifts[shift].first : end);
      push(t, until, Mode::off, 0, 0);
      t = until;
      next = Next::setup;
      continue;
    }
    const TimestampMs shift_end = std::min(limit, shifts[shift].second);
    Mode mode;
    double minutes, speed = 0, rate;
    switch (next) {
      case Next::setup:
        mode = Mode::setup, minutes = rng.uniform(10, 45), rate = idle_wear;
        speed = std::round(rng.uniform(0.02, 0.08) * type.speed_max);
        next = Next::run;
        break;
      case Next::run:
        mode = Mode::run, minutes = rng.uniform(40, 300), rate = run_wear;
        speed = std::round(rng.uniform(type.speed_min, type.speed_max) / 10) * 10;
        next = Next::idle;
        break;
      default:
        mode = Mode::idle, minutes = std::max(2.0, rng.exponential(25)), rate = idle_wear;
        next = Next::setup;
        break;
    }
    TimestampMs seg_end = std::min(shift_end, t + static_cast<TimestampMs>(minutes * kMinute));
    if (seg_end < t + kMinute && seg_end < shift_end) seg_end = std::min(shift_end, t + kMinute);
    const double wear_end = wear + rate * static_cast<double>(seg_end - t);
    if (rate > 0 && wear_end >= threshold) {
      // Wear-out: the machine breaks inside this segment and is repaired (across shifts).
      TimestampMs tf = t + static_cast<TimestampMs>(std::ceil((threshold - wear) / rate));
      tf = std::clamp(tf, t + 1, seg_end);
      push(t, tf, mode, rate, speed);
      const double repair_h = fm.repair_hours * std::exp(rng.normal(0, 0.35));
      const TimestampMs repaired = tf + std::max<TimestampMs>(15 * kMinute, static_cast<TimestampMs>(repair_h * kHour));
      wear = threshold;
      push(tf, std::min(repaired, end), Mode::down, 0, 0);
      tl.failures.push_back({machine, tf, repaired, latent});
      t = repaired;
      wear = rng.uniform(0.02, 0.1);
      threshold = rng.uniform(0.75, 1.25);
      latent = static_cast<int>(rng.below(n_modes));
      next = Next::setup;
      continue;
    }
    push(t, seg_end, mode, rate, speed);
    wear = wear_end;
    if (seg_end == shift_end) next = Next::setup;  // a new shift starts with a setup
    t = seg_end;
  }
  if (tl.segments.empty()) tl.segments.push_back({plant.start, end, Mode::off, wear, 0, 0, latent});
  tl.segments.back().end = std::max(tl.segments.back().end, end);
  return tl;
}

}  // namespace xinzhi::twin
