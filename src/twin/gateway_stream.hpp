// One gateway writing what real gateways write: the true samples of its machines, in time
// order, with the gateway's defects injected (gaps, missing values, duplicates, out-of-order
// rows, stuck sensors, spikes, °F temperatures, clock skew, a truncated last line). Every
// injected defect is also recorded as a DefectRow for truth/defects.csv. Where the gateway's
// `received` is on, each row also carries the time the plant's collector received it (true
// clock, after a network latency), which is what makes a gateway's skewed clock observable.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "twin/output_file.hpp"
#include "twin/plant_config.hpp"
#include "twin/sensor_model.hpp"
#include "twin/twin_random.hpp"

namespace xinzhi::twin {

enum class DefectKind : std::uint8_t {
  gap, missing, duplicate, out_of_order, stuck, spike, unit_fahrenheit, clock_skew, truncated_line
};
inline constexpr int kDefectKindCount = 9;

struct DefectRow {
  DefectKind kind;
  int gateway;
  int machine;  // -1: all machines of the gateway
  int sensor;   // -1: all sensors
  TimestampMs ts;
  std::string detail;
};

class GatewayStream {
 public:
  GatewayStream(const PlantConfig& plant, int gateway, const std::string& path, std::vector<DefectRow>& defects);
  // Samples of this gateway's machines, in true time order.
  void write(const Sample& s);
  // Writes what is still held back, cuts the last line if configured, closes the file.
  void finish();

  std::uint64_t rows() const { return rows_; }
  std::uint64_t bytes() const { return file_.size(); }
  const std::array<std::uint64_t, kDefectKindCount>& defect_counts() const { return counts_; }

 private:
  struct Interval {
    TimestampMs start, end;
  };
  struct Run {  // the current gap of a machine / stuck run of a series
    std::size_t next = 0;  // next interval to reach
    bool active = false;
    TimestampMs first = 0, last = 0;
    std::uint64_t n = 0;
    double value = 0;
    bool differs = false;  // a frozen sample differs from the true one (else the run is invisible)
  };
  struct Held {
    TimestampMs release, ts;
    int machine, sensor;
    std::string line;
  };
  struct Pending {
    int rows_left;
    TimestampMs ts;
    int machine, sensor;
    std::string line;
  };

  // The line without its arrival stamp and terminator (these are added when it is sent).
  void format_line(std::string& line, const Sample& s, bool missing, double value);
  // Sends one line now: appends it with its arrival stamp and terminator.
  void put(const std::string& line);
  void emit(const std::string& line, TimestampMs ts, int machine, int sensor);
  void record(DefectKind kind, int machine, int sensor, TimestampMs ts, std::string detail);
  void close_gap(int machine);
  void close_stuck(int series);

  const PlantConfig& plant_;
  int gateway_;
  const Gateway& cfg_;
  OutputFile file_;
  std::vector<DefectRow>& defects_;
  Rng rng_;
  Rng latency_rng_;  // its own stream, so that arrival stamps do not change the defects
  bool jsonl_;
  TimestampMs now_ = 0;  // true time of the sample being written: when lines are sent
  TimestampMs last_received_ = INT64_MIN;
  TimestampMs skew_ms_, quiet_from_;
  std::vector<std::vector<Interval>> gaps_;   // per machine (plant index)
  std::vector<Run> gap_runs_;
  std::vector<std::vector<Interval>> stuck_;  // per series (machine * kSensorKinds + sensor)
  std::vector<Run> stuck_runs_;
  std::deque<Held> held_;
  std::vector<Pending> pending_;
  std::string line_;
  std::uint64_t rows_ = 0, last_line_len_ = 0;
  TimestampMs max_emitted_ = INT64_MIN, prev_ts_ = 0;
  int last_machine_ = -1, last_sensor_ = -1;
  TimestampMs last_ts_ = 0;
  std::array<std::uint64_t, kDefectKindCount> counts_{};
};

const char* defect_kind_name(DefectKind kind);

}  // namespace xinzhi::twin
