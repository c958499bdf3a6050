#include "twin/gateway_stream.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "twin/twin_layout.hpp"

namespace xinzhi::twin {

namespace {
constexpr TimestampMs kMinute = 60'000;
constexpr TimestampMs kHour = 3'600'000;
constexpr double kDayMs = 86'400'000.0;

double to_fahrenheit(double c) { return round_to(c * 1.8 + 32, 2); }
}  // namespace

const char* defect_kind_name(DefectKind kind) { return layout::kDefectKinds[static_cast<int>(kind)].data(); }

GatewayStream::GatewayStream(const PlantConfig& plant, int gateway, const std::string& path,
                             std::vector<DefectRow>& defects)
    : plant_(plant),
      gateway_(gateway),
      cfg_(plant.gateways[gateway]),
      file_(path),
      defects_(defects),
      rng_(plant.seed, "gateway", static_cast<std::uint64_t>(gateway)),
      latency_rng_(plant.seed, "latency", static_cast<std::uint64_t>(gateway)),
      jsonl_(cfg_.format == "jsonl"),
      skew_ms_(static_cast<TimestampMs>(std::llround(cfg_.clock_skew_s * 1000))),
      // No defect starts in the last hour, so that everything held back has been written and
      // the last line (perhaps truncated) is a plain sample.
      quiet_from_(plant.end() - kHour) {
  const int n = static_cast<int>(plant.machines.size());
  const DefectRates& d = cfg_.defects;
  gaps_.resize(n);
  gap_runs_.resize(n);
  stuck_.resize(static_cast<std::size_t>(n) * kSensorKinds);
  stuck_runs_.resize(stuck_.size());
  // Outages and frozen sensors as Poisson processes over the whole run, each machine and
  // series from its own stream.
  auto intervals = [&](Rng& r, double per_day, double min_minutes, double max_minutes, std::vector<Interval>& out) {
    if (per_day <= 0) return;
    double t = static_cast<double>(plant.start);
    for (;;) {
      t += r.exponential(kDayMs / per_day);
      const TimestampMs a = static_cast<TimestampMs>(t);
      const TimestampMs b = a + static_cast<TimestampMs>(r.uniform(min_minutes, max_minutes) * kMinute);
      if (b >= quiet_from_) break;
      out.push_back({a, b});
      t = static_cast<double>(b);
    }
  };
  for (int m = 0; m < n; ++m) {
    if (plant.machines[m].gateway != gateway) continue;
    Rng g(plant.seed, "gaps", static_cast<std::uint64_t>(m));
    intervals(g, d.gaps_per_day, d.gap_min_minutes, d.gap_max_minutes, gaps_[m]);
    for (const SensorSpec& spec : plant.types[plant.machines[m].type].sensors) {
      const int series = m * kSensorKinds + static_cast<int>(spec.kind);
      Rng s(plant.seed, "stuck", static_cast<std::uint64_t>(series));
      intervals(s, d.stuck_per_day, d.stuck_min_minutes, d.stuck_max_minutes, stuck_[series]);
    }
    if (cfg_.fahrenheit) {
      bool has_temperature = false;
      for (const SensorSpec& spec : plant.types[plant.machines[m].type].sensors)
        has_temperature |= spec.kind == SensorKind::temperature;
      if (has_temperature)
        record(DefectKind::unit_fahrenheit, m, static_cast<int>(SensorKind::temperature), plant.start,
               "factor=1.8;offset=32");
    }
  }
  if (skew_ms_ != 0) record(DefectKind::clock_skew, -1, -1, plant.start, fmt::format("offset_ms={}", skew_ms_));
  if (!jsonl_) {
    file_.buf().append(layout::kLandingCsvHeader);
    if (cfg_.received) file_.buf().append(layout::kLandingCsvReceivedColumn);
    file_.buf() += '\n';
  }
}

void GatewayStream::record(DefectKind kind, int machine, int sensor, TimestampMs ts, std::string detail) {
  defects_.push_back({kind, gateway_, machine, sensor, ts, std::move(detail)});
  ++counts_[static_cast<int>(kind)];
}

void GatewayStream::close_gap(int m) {
  Run& r = gap_runs_[m];
  if (r.active && r.n > 0)
    record(DefectKind::gap, m, -1, r.first, fmt::format("end={};rows={}", format_iso8601(r.last), r.n));
  r.active = false;
  r.n = 0;
}

namespace {
constexpr std::uint64_t kObservableStuck = 7;  // readings
}  // namespace

void GatewayStream::close_stuck(int series) {
  Run& r = stuck_runs_[series];
  // Only a run that reported something false is a defect: a speed sensor frozen at 0 rpm while
  // its machine stands still reports the truth, and no one (and no cleaning) could tell.
  // Nor is a run of fewer than kObservableStuck readings: a slow, quantised sensor repeats that
  // often by itself. The humidity, polled every 5 minutes at 0.1 %RH against ~0.6 %RH of change
  // per poll, has equal consecutive readings 5.5% of the time: a 14-day plant shows about ten
  // runs of 4 equal readings by noise, and runs of 6 too (seed 42: M01 at 44.6), so no one
  // could tell a frozen run that short from noise. Fast sensors' runs (20 minutes or more at
  // 1 minute or faster) are all far longer.
  if (r.active && r.n >= kObservableStuck && r.differs) {
    std::string value;
    const int sensor = series % kSensorKinds;
    const bool f = cfg_.fahrenheit && sensor == static_cast<int>(SensorKind::temperature);
    append_fixed(value, f ? to_fahrenheit(r.value) : r.value, f ? 2 : kSensorDecimals[sensor]);
    record(DefectKind::stuck, series / kSensorKinds, sensor, r.first,
           fmt::format("end={};samples={};value={}", format_iso8601(r.last), r.n, value));
  }
  r.active = false;
  r.n = 0;
  r.differs = false;
}

void GatewayStream::format_line(std::string& line, const Sample& s, bool missing, double value) {
  line.clear();
  const std::string& machine = plant_.machines[s.machine].id;
  const char* sensor = kSensorNames[s.sensor];
  const bool f = cfg_.fahrenheit && s.sensor == static_cast<int>(SensorKind::temperature);
  if (jsonl_) {
    line += "{\"ts\":\"";
    append_ts(line, s.ts + skew_ms_);
    line += "\",\"machine\":\"";
    line += machine;
    line += "\",\"sensor\":\"";
    line += sensor;
    line += "\",\"value\":";
    if (missing) line += "null";
    else append_fixed(line, f ? to_fahrenheit(value) : value, f ? 2 : kSensorDecimals[s.sensor]);
  } else {
    append_ts(line, s.ts + skew_ms_);
    line += ',';
    line += machine;
    line += ',';
    line += sensor;
    line += ',';
    if (!missing) append_fixed(line, f ? to_fahrenheit(value) : value, f ? 2 : kSensorDecimals[s.sensor]);
  }
}

void GatewayStream::put(const std::string& line) {
  std::string& out = file_.buf();
  const std::size_t before = out.size();
  out += line;
  if (cfg_.received) {
    // Arrival at the collector, in true time: a network latency of a few to a few hundred ms and,
    // for one row in a thousand, a burst held in the gateway's store-and-forward buffer for up
    // to half a minute. One connection: arrivals keep the order the rows were sent in.
    auto latency = static_cast<TimestampMs>(5 + latency_rng_.exponential(40));
    if (latency_rng_.chance(0.001)) latency += static_cast<TimestampMs>(latency_rng_.uniform(1000, 30'000));
    last_received_ = std::max(last_received_, now_ + latency);
    out += jsonl_ ? ",\"received\":\"" : ",";
    append_ts(out, last_received_);
    if (jsonl_) out += '"';
  }
  out += jsonl_ ? "}\n" : "\n";
  last_line_len_ = out.size() - before;
  ++rows_;
}

void GatewayStream::emit(const std::string& line, TimestampMs ts, int machine, int sensor) {
  put(line);
  last_machine_ = machine, last_sensor_ = sensor, last_ts_ = ts;
  max_emitted_ = std::max(max_emitted_, ts);
  prev_ts_ = ts;
  // Retransmissions due after this row.
  for (std::size_t i = 0; i < pending_.size();) {
    if (--pending_[i].rows_left <= 0) {
      put(pending_[i].line);
      prev_ts_ = pending_[i].ts;
      record(DefectKind::duplicate, pending_[i].machine, pending_[i].sensor, pending_[i].ts, "");
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  if (ts < quiet_from_ && rng_.chance(cfg_.defects.duplicate)) {
    const int later = rng_.between(0, 3);
    if (later == 0) {
      put(line);
      record(DefectKind::duplicate, machine, sensor, ts, "");
    } else {
      pending_.push_back({later, ts, machine, sensor, line});
    }
  }
  file_.maybe_flush();
}

void GatewayStream::write(const Sample& s) {
  now_ = s.ts;
  const int m = s.machine;
  const int series = m * kSensorKinds + s.sensor;
  // A dropped link: the machine's rows never reach the file.
  Run& gap = gap_runs_[m];
  const auto& gaps = gaps_[m];
  while (gap.next < gaps.size() && gaps[gap.next].end <= s.ts) {
    close_gap(m);
    ++gap.next;
  }
  if (gap.next < gaps.size() && gaps[gap.next].start <= s.ts) {
    if (!gap.active) gap.active = true, gap.first = s.ts;
    gap.last = s.ts;
    ++gap.n;
    return;
  }

  const bool defects_allowed = s.ts < quiet_from_;
  bool missing = false;
  double value = s.value;
  Run& stuck = stuck_runs_[series];
  const auto& stucks = stuck_[series];
  while (stuck.next < stucks.size() && stucks[stuck.next].end <= s.ts) {
    close_stuck(series);
    ++stuck.next;
  }
  if (stuck.next < stucks.size() && stucks[stuck.next].start <= s.ts) {
    if (!stuck.active) stuck.active = true, stuck.first = s.ts, stuck.value = s.value;
    stuck.differs |= s.value != stuck.value;
    stuck.last = s.ts;
    ++stuck.n;
    value = stuck.value;
  } else if (defects_allowed && rng_.chance(cfg_.defects.missing)) {
    missing = true;
    record(DefectKind::missing, m, s.sensor, s.ts, "");
  } else if (defects_allowed && rng_.chance(cfg_.defects.spike)) {
    // An outlier well outside the sensor's normal range, upwards (most sensors cannot go negative).
    static constexpr double kSpikeSize[kSensorKinds] = {45, 35, 400, 5000, 25, 60};
    value = round_to(s.value + kSpikeSize[s.sensor] * rng_.uniform(1.0, 2.0), kSensorDecimals[s.sensor]);
    const bool f = cfg_.fahrenheit && s.sensor == static_cast<int>(SensorKind::temperature);
    std::string t, r;
    append_fixed(t, s.value, kSensorDecimals[s.sensor]);
    append_fixed(r, f ? to_fahrenheit(value) : value, f ? 2 : kSensorDecimals[s.sensor]);
    record(DefectKind::spike, m, s.sensor, s.ts, "true=" + t + ";reported=" + r);
  }
  format_line(line_, s, missing, value);

  if (defects_allowed && rng_.chance(cfg_.defects.out_of_order)) {
    // Held back in the gateway's queue and sent after rows up to 10 minutes younger.
    const TimestampMs delay = static_cast<TimestampMs>(rng_.uniform(1000, 10 * kMinute));
    held_.push_back({s.ts + delay, s.ts, m, s.sensor, line_});
    return;
  }
  emit(line_, s.ts, m, s.sensor);
  while (!held_.empty() && held_.front().release <= s.ts) {
    Held h = std::move(held_.front());
    held_.pop_front();
    const TimestampMs after = prev_ts_;
    const bool late = h.ts < max_emitted_;
    emit(h.line, h.ts, h.machine, h.sensor);
    if (late) record(DefectKind::out_of_order, h.machine, h.sensor, h.ts, "after=" + format_iso8601(after));
  }
}

void GatewayStream::finish() {
  while (!held_.empty()) {
    Held h = std::move(held_.front());
    held_.pop_front();
    const TimestampMs after = prev_ts_;
    const bool late = h.ts < max_emitted_;
    emit(h.line, h.ts, h.machine, h.sensor);
    if (late) record(DefectKind::out_of_order, h.machine, h.sensor, h.ts, "after=" + format_iso8601(after));
  }
  for (auto& p : pending_) {
    put(p.line);
    record(DefectKind::duplicate, p.machine, p.sensor, p.ts, "");
  }
  pending_.clear();
  for (std::size_t m = 0; m < gap_runs_.size(); ++m) close_gap(static_cast<int>(m));
  for (std::size_t s = 0; s < stuck_runs_.size(); ++s) close_stuck(static_cast<int>(s));
  if (cfg_.truncate_last_line && rows_ > 0 && last_line_len_ > 4) {
    // The gateway lost power while writing its last row: keep a prefix, no line break.
    const std::uint64_t keep = static_cast<std::uint64_t>(rng_.between(4, static_cast<int>(last_line_len_) - 2));
    file_.truncate(file_.size() - last_line_len_ + keep);
    record(DefectKind::truncated_line, last_machine_, last_sensor_, last_ts_, fmt::format("kept_bytes={}", keep));
  }
  file_.close();
}

}  // namespace xinzhi::twin
