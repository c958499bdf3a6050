#include "twin/sensor_model.hpp"

#include <algorithm>
#include <cmath>

#include "twin/failure_modes.hpp"

namespace xinzhi::twin {

namespace {
constexpr double kPi = 3.141592653589793;
constexpr double kPow10[] = {1, 10, 100, 1000, 10000};

// Wear shows late and then fast: nothing much at half wear, the full effect at failure.
double wear_effect(double wear) {
  const double w = std::clamp(wear, 0.0, 1.3);
  return w * w * std::sqrt(w);
}

// How much a mode exposes wear (a stopped machine does not vibrate however worn it is).
double activity(Mode m) {
  switch (m) {
    case Mode::run: return 1.0;
    case Mode::setup:
    case Mode::idle: return 0.4;
    default: return 0.0;
  }
}
}  // namespace

double round_to(double v, int decimals) {
  const double s = kPow10[decimals];
  return std::round(v * s) / s;
}

SensorSeries::SensorSeries(const PlantConfig& plant, int machine, SensorSpec spec, const MachineTimeline& timeline)
    : type_(plant.types[plant.machines[machine].type]),
      timeline_(timeline),
      machine_(machine),
      spec_(spec),
      rng_(plant.seed, "sensor", static_cast<std::uint64_t>(machine) * 16 + static_cast<std::uint64_t>(spec.kind)),
      start_(plant.start),
      end_(plant.end()),
      rate_ms_(static_cast<TimestampMs>(spec.rate_s) * 1000) {
  // Per machine constants come from the machine's own stream so every sensor agrees on them.
  Rng constants(plant.seed, "machine-constants", static_cast<std::uint64_t>(machine));
  ambient_offset_ = constants.uniform(-1.5, 1.5);
  humidity_offset_ = constants.uniform(-6, 6);
  pressure_scale_ = constants.uniform(0.94, 1.06);
  vibration_scale_ = constants.uniform(0.85, 1.15);
  // Each series samples at its own phase within the rate (gateways poll machines in turn).
  phase_ = static_cast<TimestampMs>(rng_.below(static_cast<std::uint64_t>(std::min<TimestampMs>(rate_ms_, 60'000) / 100))) * 100;
  jitter_key_ = rng_.next();
  scale_ = kPow10[kSensorDecimals[static_cast<int>(spec.kind)]];
  last_t_ = start_;
  lag_ = spec.kind == SensorKind::temperature ? 21.0 + ambient_offset_ : 0.0;
}

double SensorSeries::value_at(TimestampMs t, const Segment& seg) {
  const double dt = static_cast<double>(t - last_t_) / 1000.0;  // seconds since the previous sample
  last_t_ = t;
  const double hour = static_cast<double>(((t % 86'400'000) + 86'400'000) % 86'400'000) / 3.6e6;
  const double daily = std::sin(2 * kPi * (hour - 10) / 24);  // warmest mid-afternoon
  const FailureModeInfo& fm = kFailureModes[seg.latent];
  const double act = activity(seg.mode);
  const double w = wear_effect(seg.wear_at(t)) * act;
  const double span = std::max(1.0, type_.speed_max - type_.speed_min);
  const double speed_frac = seg.mode == Mode::run ? std::clamp((seg.speed - type_.speed_min) / span, 0.0, 1.0) : 0.0;
  const double rated = type_.power_kw;

  switch (spec_.kind) {
    case SensorKind::temperature: {
      const double ambient = 21.0 + ambient_offset_ + 2.5 * daily;
      double heat = 0;
      switch (seg.mode) {
        case Mode::idle: heat = 3; break;
        case Mode::setup: heat = 5; break;
        case Mode::run: heat = 8 + 7 * speed_frac; break;
        case Mode::down: heat = 1; break;
        default: break;
      }
      const double target = ambient + heat + fm.temperature_c * w;
      lag_ += (target - lag_) * (1.0 - std::exp(-dt / 720.0));  // 12 minutes time constant
      return lag_ + rng_.normal(0, 0.12);
    }
    case SensorKind::humidity: {
      const double keep = std::exp(-dt / 7200.0);  // slow weather noise, two hours memory
      lag_ = lag_ * keep + rng_.normal(0, 2.0) * std::sqrt(1 - keep * keep);
      return std::clamp(48 + humidity_offset_ - 8 * daily + lag_ + rng_.normal(0, 0.4), 5.0, 98.0);
    }
    case SensorKind::pressure: {
      double p = 101.3;  // pump off: atmospheric
      switch (seg.mode) {
        case Mode::idle: p = 280 * pressure_scale_; break;
        case Mode::setup: p = 300 * pressure_scale_; break;
        case Mode::run: p = (380 + 40 * speed_frac) * pressure_scale_; break;
        default: break;
      }
      if (act > 0) p += fm.pressure_kpa * w;
      return std::max(90.0, p + rng_.normal(0, act > 0 ? 2.5 : 0.3));
    }
    case SensorKind::speed: {
      if (seg.mode != Mode::run && seg.mode != Mode::setup) return 0;
      const double s = seg.speed * (1 + fm.speed_share * w);
      return std::max(0.0, s + rng_.normal(0, 0.002 * s + 1 + 40 * w * std::abs(fm.speed_share)));
    }
    case SensorKind::vibration: {
      double v = 0.05;
      switch (seg.mode) {
        case Mode::idle: v = 0.5; break;
        case Mode::setup: v = 1.0; break;
        case Mode::run: v = 1.4 + 1.3 * speed_frac; break;
        case Mode::maintenance: v = 0.2; break;
        default: break;
      }
      v = (v + fm.vibration_mm_s * w) * vibration_scale_;
      return std::abs(v * (1 + rng_.normal(0, 0.05)));
    }
    case SensorKind::power: {
      double p = 0.1;
      switch (seg.mode) {
        case Mode::idle: p = 0.12 * rated; break;
        case Mode::setup: p = 0.25 * rated; break;
        case Mode::run: p = rated * (0.45 + 0.4 * speed_frac); break;
        case Mode::down: p = 0.2; break;
        case Mode::maintenance: p = 0.05 * rated; break;
        default: break;
      }
      p *= 1 + fm.power_share * w;
      return std::max(0.0, p + rng_.normal(0, act > 0 ? 0.015 * rated : 0.02));
    }
  }
  return 0;
}

void SensorSeries::generate_until(TimestampMs until, std::vector<Sample>& out) {
  until = std::min(until, end_);
  const auto& segs = timeline_.segments;
  for (;; ++k_) {
    TimestampMs t = start_ + k_ * rate_ms_ + phase_;
    if (t >= end_) break;
    // Jitter: the gateway's poll lands up to 250 ms late. A hash of the sample index, not a
    // draw, so that where the chunks of work are cut does not change any value.
    std::uint64_t x = jitter_key_ ^ static_cast<std::uint64_t>(k_);
    t += static_cast<TimestampMs>(splitmix64(x) % 250);
    if (t >= until || t >= end_) break;
    while (seg_ + 1 < segs.size() && segs[seg_ + 1].start <= t) ++seg_;
    const double v = value_at(t, segs[seg_]);
    out.push_back({t, static_cast<std::uint16_t>(machine_), static_cast<std::uint8_t>(spec_.kind),
                   std::round(v * scale_) / scale_});
  }
}

}  // namespace xinzhi::twin
