// The scheduler: dispatching rules for a start, then tabu search. Job shops without
// calendars use a Nowicki–Smutnicki style search (critical-block N7 moves valued in O(block)
// from heads and tails, restarts by path relinking between elite solutions); flexible shops, calendars and weighted tardiness use a search whose
// moves also reassign machines and are valued exactly. Threads run independent searches that
// share the best solution. Determinism: with one thread and an iteration limit (and no time
// limit) the same seed gives the same schedule; a time limit stops wherever the clock says.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "optimize/dispatch.hpp"
#include "optimize/schedule.hpp"

namespace xinzhi::optimize {

enum class Objective { makespan, weighted_tardiness };

struct SearchOptions {
  Objective objective = Objective::makespan;
  double time_limit_s = 10;      // <= 0: no time limit (then iterations must be set)
  std::int64_t iterations = 0;   // per thread; 0: no limit
  int threads = 1;
  std::uint64_t seed = 1;
  double target = -1;            // stop as soon as the objective is <= target (>= 0)
  bool progress = false;         // anytime progress lines (stderr, via logging)
  // A plan to start from besides the dispatching rules (empty: none): re-planning after a change
  // of calendars starts from the plan in hand, so the new plan is never worse than that plan
  // repaired (right-shifted past the new windows) and differs from it by the change, not by the
  // luck of a fresh search. Its jobs and operations must be the instance's.
  const Schedule* warm_start = nullptr;
};

struct SearchResult {
  Schedule schedule;             // the best found, decoded
  Solution solution;
  double value = 0;              // objective value of schedule
  std::string start_rule;        // best dispatching rule used as the start
  double start_value = 0;
  double seconds = 0, seconds_to_best = 0;
  std::int64_t iterations = 0;   // over all threads
  Time lower_bound = 0;
};

double objective_value(const Schedule& s, Objective objective);

SearchResult solve(const Instance& inst, const SearchOptions& options);

}  // namespace xinzhi::optimize
