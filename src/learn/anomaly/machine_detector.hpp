// A streaming anomaly detector for one machine: its sensors' readings aligned in time (one value
// per sensor a step, NaN where a sensor has none), a score in [0, 1] each step, causal.
//
// Why this design: a machine's failure shows as its sensors moving together in a way they do not
// usually (a bearing heats and vibrates as the load holds), which per-sensor detectors score one
// at a time and a sum of their scores blurs. So each sensor is standardised against its own
// running level and spread (exponentially weighted, so the standardisation follows slow drift
// and no sensor's unit dominates), and the standardised vector is measured against the running
// correlation of the sensors by the Mahalanobis distance: a joint shift is far even when each
// sensor alone is within its usual range, and a move that the correlation explains (all sensors
// following the load) is not. The squared distance of k present sensors is chi-square with k
// degrees of freedom under normal behaviour; its tail probability, log-scaled as HTM's
// likelihood is, is the score (0.5 at a tail of 1e-5). Work per step is O(d^3) for d sensors (a
// Cholesky factorisation of at most d x d), fixed for a machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xinzhi::learn {

struct MachineDetectorOptions {
  std::size_t warmup = 100;     // steps before any score (the statistics settle)
  double half_life = 500;       // steps, of the running levels, spreads and correlation
  double ridge = 0.05;          // added to the correlation's diagonal: keeps it invertible
  double max_z = 10;            // a standardised value is clipped to +-max_z (one wild sensor)
};

class MachineDetector {
 public:
  MachineDetector(std::size_t sensors, MachineDetectorOptions options = {});

  // values.size() must be the number of sensors (an InternalError otherwise). A step with no
  // value at all scores 0 and changes nothing.
  double update(std::int64_t t_ms, std::span<const double> values);

  std::size_t sensors() const { return d_; }

 private:
  std::size_t d_;
  MachineDetectorOptions o_;
  std::size_t steps_ = 0;
  std::vector<double> level_, spread_;   // per sensor
  std::vector<bool> started_;
  std::vector<double> corr_;             // d x d running second moment of standardised values
};

}  // namespace xinzhi::learn
