// Which machines to maintain before a plan starts, priced by simulation: for each machine with a
// predicted risk of failing within the horizon, the plan is executed (simulate(), under the same
// draws) three ways: as it is, with the machine failing at one of several times spread over the
// horizon (repaired for the plant's mean repair), and with a preventive window at the start (the
// failure prevented). Each is first re-planned from the plan in hand with the same search
// (MaintenanceChoiceOptions::replan_iterations), as the predictive plan will be, and priced with
// the best plan any of the searches found for it (one search's luck is larger than a window's
// cost). A machine is worth maintaining alone where
//     cost(window) < (1 - p) cost(as it is) + p mean over the times of cost(failure),
// the expected realised objective. The machines worth it alone are then taken together, best
// first, each kept where its window adds less to the plan with the windows kept before it than
// the failure it expects to prevent. A planned window costs what the plan loses around it, not
// its hours, and a failure what its interruption does; neither needs the truth.
#pragma once

#include <vector>

#include "optimize/simulate.hpp"
#include "optimize/solver.hpp"

namespace xinzhi::optimize {

struct MaintenanceCandidate {
  int machine = 0;
  double p_fail = 0;  // probability of failing within the horizon
};

struct MaintenanceChoiceOptions {
  Objective objective = Objective::weighted_tardiness;
  Time pm_duration = 240;  // instance units (minutes for orders)
  Time repair = 360;
  Time horizon = 2880;  // the failure comes somewhere in [0, horizon)
  int failure_times = 6;
  SimulationOptions simulation;
  // The plan is re-planned from the plan in hand (its warm start) with this search, with the
  // window and, for the costs without it, without: as the predictive plan will be; 0: the plan in
  // hand is pushed past the window only.
  std::int64_t replan_iterations = 0;
  std::uint64_t seed = 1;
};

struct MaintenanceChoice {
  int machine = 0;
  double p_fail = 0;
  double cost_keep = 0;      // expected realised objective without the window
  double cost_maintain = 0;  // with it
  bool worth_alone = false;  // cost_maintain < cost_keep
  // Where worth it alone: what its window adds to the plan with the windows kept before it, and
  // the failure it expects to prevent, p (cost(failure) - cost(as it is)); kept where the first is less.
  double marginal_cost = 0, failure_cost = 0;
  bool maintain = false;
};

// Throws InputError for a machine the instance lacks, a probability outside [0, 1], or a
// duration that is not positive.
std::vector<MaintenanceChoice> choose_maintenance(const Instance& base, const Schedule& plan,
                                                  const std::vector<MaintenanceCandidate>& candidates,
                                                  const MaintenanceChoiceOptions& options);

}  // namespace xinzhi::optimize
