// The entry point for the pipeline: schedule the warehouse's production orders around
// machine downtime (maintenance windows, predicted failures), next to the FIFO plan a shop
// would use today, both checked by the validator, compared by simulation and drawn.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "optimize/simulate.hpp"
#include "optimize/solver.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::optimize {

// Downtime in wall-clock time. end_ms == 0: the machine stays down.
struct DowntimeWindow {
  std::string machine;
  std::int64_t start_ms = 0, end_ms = 0;
  std::string kind = "maintenance";
};

// Orders as a shop instance in minutes from origin_ms (default: the earliest release).
// Errors name the order's key path, e.g. "orders[O-17].operations[2]: no eligible machine".
Instance instance_from_orders(const std::vector<store::ProductionOrder>& orders, std::int64_t origin_ms = 0);
void add_downtime(Instance& inst, const std::vector<DowntimeWindow>& windows);  // then finish_calendars

struct PlanOptions {
  SearchOptions search;          // objective, time limit, threads, seed, ...
  SimulationOptions simulation;  // replications, noise, breakdowns
  std::int64_t origin_ms = 0;
};

struct PlanResult {
  Instance instance;
  SearchResult search;
  Schedule schedule;             // the plan (validated)
  Schedule fifo;                 // FIFO dispatching (validated)
  SimulationComparison comparison;  // a = plan, b = FIFO, under common random numbers
  std::string svg;               // Gantt of the plan
};

PlanResult plan_orders(store::Warehouse& warehouse, const std::vector<DowntimeWindow>& downtime, const PlanOptions& options);
// The same for an instance already built (benchmarks, tests, the CLI).
PlanResult plan_instance(Instance instance, const PlanOptions& options);

}  // namespace xinzhi::optimize
