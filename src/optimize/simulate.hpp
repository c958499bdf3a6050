// Discrete-event execution of a schedule's machine sequences under uncertainty: processing
// times with random noise (log-normal, given coefficient of variation) and random machine
// breakdowns (exponential time between failures and time to repair; an interrupted operation
// resumes after repair). Planned windows still hold: an operation starts only where it fits
// before the next window. Replications are seeded; two schedules compared under the same
// seed see the same draws (common random numbers: noise per operation, failures per machine).
// Given failures (a plant's known or true failures, the same in every replication) can break in
// next to the random ones, with the same effect. Without noise and breakdowns the realised
// makespan equals the schedule's.
#pragma once

#include <cstdint>
#include <vector>

#include "optimize/schedule.hpp"

namespace xinzhi::optimize {

struct SimulationOptions {
  int replications = 30;
  double noise_cv = 0;      // coefficient of variation of processing times; 0 = exact
  double mtbf_hours = 0;    // mean time between failures per machine; 0 = no breakdowns
  double mttr_hours = 1;    // mean time to repair
  std::uint64_t seed = 1;
};

// Mean with a 95% confidence interval of the mean (Student t).
struct Stat {
  double mean = 0, stddev = 0, ci_low = 0, ci_high = 0;
  int n = 0;
};
Stat summarise(const std::vector<double>& values);

struct SimulationReport {
  std::vector<double> makespan, tardiness, utilisation;  // per replication
  Stat makespan_stat, tardiness_stat, utilisation_stat;
};

struct SimulationComparison {
  SimulationReport a, b;
  Stat makespan_diff, tardiness_diff;  // a - b per replication (paired)
};

// A failure at a fixed time: the machine breaks at `start` and is repaired for `repair` time units
// (instance units). An operation running at `start` is interrupted and resumes after the repair;
// one that would start during the repair waits for its end.
struct MachineFailure {
  int machine = 0;
  Time start = 0;
  Time repair = 0;
};

SimulationReport simulate(const Instance& inst, const Schedule& schedule, const SimulationOptions& options);
// The same with given failures on top of options' random breakdowns (which mtbf_hours = 0 turns
// off); with no failures it is simulate() above, draw for draw.
SimulationReport simulate(const Instance& inst, const Schedule& schedule, const SimulationOptions& options,
                          const std::vector<MachineFailure>& failures);
SimulationComparison compare(const Instance& inst, const Schedule& a, const Schedule& b, const SimulationOptions& options);

}  // namespace xinzhi::optimize
