// Planning the warehouse's production orders around the downtime windows it holds (planned
// maintenance, predicted failures), next to the FIFO plan a shop would use today, both checked
// by the validator, compared by simulation and drawn: what the pipeline's schedule stage and
// `xinzhi schedule --db` both do.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "optimize/simulate.hpp"
#include "optimize/solver.hpp"
#include "store/downtime_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::optimize {

// Orders as a shop instance in minutes from origin_ms (default: the earliest release).
// Errors name the order's key path, e.g. "orders[O-17].operations[2]: no eligible machine".
Instance instance_from_orders(const std::vector<store::ProductionOrder>& orders, std::int64_t origin_ms = 0);
// The windows as machine calendars (then finish_calendars); windows of machines no order uses
// are left out, since they cannot matter.
void add_downtime(Instance& inst, const std::vector<store::DowntimeWindow>& windows);

struct PlanOptions {
  SearchOptions search;          // objective, time limit, threads, seed, ...
  SimulationOptions simulation;  // replications, noise, breakdowns
  std::int64_t origin_ms = 0;  // the plan's start (0: the earliest release)
  // The whole order book on hand at the start (releases ignored): how soon can it all be done?
  // With a start given, each order is due its lead time (due less release) after the start.
  bool backlog = false;
  std::vector<std::string> downtime_kinds;  // the warehouse's windows of these kinds; empty: all
};

struct PlanResult {
  Instance instance;
  SearchResult search;
  Schedule schedule;             // the plan (validated)
  Schedule fifo;                 // FIFO dispatching (validated)
  SimulationComparison comparison;  // a = plan, b = FIFO, under common random numbers
  std::string svg;               // Gantt of the plan
  std::map<std::string, std::size_t> downtime_by_kind;  // windows planned around
};

// The warehouse's orders as an instance (as a backlog when options.backlog), its downtime windows
// of options.downtime_kinds as machine calendars; by_kind (when given) counts the windows.
Instance warehouse_instance(store::Warehouse& warehouse, const PlanOptions& options,
                            std::map<std::string, std::size_t>* by_kind = nullptr);
// That instance planned (plan_instance).
PlanResult plan_orders(store::Warehouse& warehouse, const PlanOptions& options);
// Stores a plan of a warehouse instance (times from its origin) in the warehouse's schedules
// tables, with FIFO's figures when given; plan_orders does it for its plan. Returns its id.
std::int64_t store_plan(store::Warehouse& warehouse, const Instance& instance, const Schedule& plan, const Schedule* fifo,
                        Objective objective);
// The same for an instance already built (benchmarks, tests, the CLI).
PlanResult plan_instance(Instance instance, const PlanOptions& options);

}  // namespace xinzhi::optimize
