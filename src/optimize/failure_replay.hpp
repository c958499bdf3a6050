// Replaying a plant's true failures against three plans, to say how much of the achievable gain
// a failure prediction captures (the optimisation side of the predictive-maintenance loop):
//
//   reactive    planned on the base calendars, knowing nothing; in execution every true failure
//               breaks in: the machine stops at the failure's start, the operation running then
//               is interrupted and resumes after the repair, operations queued behind it wait.
//   predictive  planned on the base calendars plus the predicted preventive windows (kind
//               "preventive"); in execution those windows hold like planned maintenance, a true
//               failure that a preventive window prevents (see ReplayOptions::prevent_lead) does
//               not happen, the others break in as in reactive.
//   oracle      planned on the base calendars plus the true failures as unavailable windows (kind
//               "failure", [start, start + repair)); in execution the failures happen exactly
//               there and, like planned windows, are known: an operation starts only where its
//               realised duration fits before one, so nothing is interrupted.
//
// The three are executed by simulate() on their own instances under the same random draws
// (common random numbers: the same seed per replication, the same processing-time noise per
// operation), so their realised figures differ only by the plan and the failures each suffers.
// Every plan is checked by validate() against its own instance. The true failures are used only
// to plan the oracle and to score: the reactive and predictive plans never see them.
//
// Note that preventing a failure can be worth more than knowing it: a preventive window shorter
// than the repair leaves the predictive plan better than the oracle's, and the captured share
// above 1.
#pragma once

#include <string>
#include <vector>

#include "optimize/simulate.hpp"
#include "optimize/solver.hpp"

namespace xinzhi::optimize {

// A true failure is a MachineFailure (simulate.hpp): the machine breaks at `start` and is
// repaired for `repair` time units (instance units: minutes from the instance origin for orders).

// Preventive maintenance the predictive plan inserts before a predicted failure: the machine is
// unavailable during [start, start + duration).
struct PreventiveWindow {
  int machine = 0;
  Time start = 0;
  Time duration = 0;
};

struct ReplayOptions {
  SearchOptions search;          // how each of the three plans is searched (the same for all)
  SimulationOptions simulation;  // replications, noise_cv, seed (mtbf_hours ignored: the failures are given)
  // A preventive window on the failing machine that starts no earlier than this many time units
  // before the failure's start (and no later than the failure's start) prevents it: the worn
  // part is replaced. Earlier windows come too soon to matter, later ones too late.
  Time prevent_lead = 24 * 60;
  // The first plan when the caller already has it (searched on base with `search`, as
  // replay_failures would): it is not searched again.
  const Schedule* in_hand = nullptr;
};

struct PolicyResult {
  std::string name;           // "reactive", "predictive", "oracle"
  Schedule plan;              // the plan (validated against its own calendars)
  SimulationReport realised;  // makespan / weighted tardiness / utilisation per replication, with Stat
  // True failures that happened during the plan's execution: not prevented, and starting before
  // the latest realised end over the replications (and not over by t = 0).
  int failures_struck = 0;
  int failures_prevented = 0;  // true failures a preventive window prevented (predictive only)
  int preventive_windows = 0;  // preventive windows in the plan's calendars (predictive only)
};

struct ReplayComparison {
  PolicyResult reactive, predictive, oracle;
  // Share of the oracle's gain over reactive that the predictive plan captures, on the means over
  // replications: (reactive - predictive) / (reactive - oracle); NaN when the oracle gains
  // nothing (reactive - oracle <= 0). 1: all of it; 0: none; above 1: prevention beat knowledge.
  double captured_tardiness = 0, captured_makespan = 0;
  Stat tardiness_gain_vs_reactive;  // predictive - reactive per replication (paired; negative = better)
};

// The three plans searched (with options.search; repeatable with one thread and an iteration
// limit) and executed. A policy whose instance adds no window to base (no predictions, no true
// failures) takes the reactive plan rather than searching again, so that a time-limited search
// cannot make identical situations differ by the clock alone. Errors (InputError) name
// truth[k] or predicted[k]: an unknown machine, a negative repair, a preventive window that is
// not positive in length.
ReplayComparison replay_failures(const Instance& base, const std::vector<MachineFailure>& truth,
                                 const std::vector<PreventiveWindow>& predicted, const ReplayOptions& options);

}  // namespace xinzhi::optimize
