// A plan made around predicted downtime, scored against what really happened: the twin's true
// failures (read through twin/truth.hpp) are replayed against three plans of the same orders —
// reactive (no failure knowledge), predictive (the warehouse's "predicted" windows: preventive
// maintenance before predicted failures) and oracle (the true failures known in advance) —
// under the same random draws (optimize/failure_replay.hpp).
#pragma once

#include <string>
#include <vector>

#include "optimize/failure_replay.hpp"
#include "optimize/plan.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::score {

struct PlanReplay {
  optimize::ReplayComparison comparison;
  std::size_t true_failures = 0;       // failures of the plan's machines from its start on
  std::size_t predicted_windows = 0;   // preventive windows planned
};

// base: the plan's options (its origin, the kinds of downtime every plan knows: "planned");
// the predictive plan adds the warehouse's windows of kind "predicted". in_hand: the first plan
// when the caller has searched it already (ReplayOptions::in_hand).
PlanReplay replay_against_truth(store::Warehouse& warehouse, const optimize::PlanOptions& base,
                                const std::string& twin_dir, optimize::Time prevent_lead,
                                const optimize::Schedule* in_hand = nullptr);

}  // namespace xinzhi::score
