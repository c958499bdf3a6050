// A schedule: for every operation the machine it runs on and its start and end, with the
// objectives it reaches; written and read as JSON and CSV. A Solution is the search's view of
// a schedule (machine per operation and order per machine); decode() turns it into times.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "optimize/shop.hpp"

namespace xinzhi::optimize {

struct ScheduledOp {
  int job = 0, op = 0, machine = 0;
  Time start = 0, end = 0;
};

struct Schedule {
  std::string instance;
  std::string solver;  // how it was made: "tabu", "rule:SPT", ...
  std::vector<ScheduledOp> ops;
  Time makespan = 0;
  double weighted_tardiness = 0;
  Time lower_bound = 0;
};

// Flat operation numbering shared by the solvers: operation k of job j is first_op[j] + k.
struct FlatShop {
  explicit FlatShop(const Instance& inst);
  const Instance* inst;
  int n = 0, machines = 0, jobs = 0;
  std::vector<int> job_of, index_in_job, job_prev, job_next, first_op;
  std::vector<int> opt_begin;          // options of op i: [opt_begin[i], opt_begin[i+1])
  std::vector<int> opt_machine;
  std::vector<Time> opt_duration;
  std::vector<Time> release;           // per op: its job's release
  bool calendars = false;
  int options(int op) const { return opt_begin[op + 1] - opt_begin[op]; }
  int machine(int op, int opt) const { return opt_machine[opt_begin[op] + opt]; }
  Time duration(int op, int opt) const { return opt_duration[opt_begin[op] + opt]; }
  int option_of(int op, int machine) const;  // -1 when not eligible
};

struct Solution {
  std::vector<int> assign;             // option index per flat op
  std::vector<std::vector<int>> seq;   // per machine: flat ops in processing order
};

// Earliest-start times of a solution: each operation starts when its job predecessor and
// machine predecessor are done, not before its release, pushed past unavailable windows.
// Returns false when the sequences contain a cycle. start/end are sized to shop.n.
bool decode(const FlatShop& shop, const Solution& sol, std::vector<Time>& start, std::vector<Time>& end);
Schedule to_schedule(const FlatShop& shop, const Solution& sol, const std::string& solver);
// The solution whose machine orders are those of a schedule (ties by start, then job).
Solution solution_of(const FlatShop& shop, const Schedule& schedule);

// Objectives of given times.
double weighted_tardiness(const Instance& inst, const Schedule& s);
void compute_objectives(const Instance& inst, Schedule& s);

nlohmann::json schedule_to_json(const Instance& inst, const Schedule& s);
std::string schedule_to_csv(const Instance& inst, const Schedule& s);
// Reads a schedule written by schedule_to_json; errors name the key path.
Schedule schedule_from_json(const Instance& inst, const std::string& path);

}  // namespace xinzhi::optimize
