#include "optimize/maintenance_choice.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "optimize/shop.hpp"

namespace xinzhi::optimize {

namespace {

double realised(const Instance& inst, const Schedule& plan, const SimulationOptions& sim, Objective objective,
                const std::vector<MachineFailure>& failures) {
  const SimulationReport r = simulate(inst, plan, sim, failures);
  return objective == Objective::makespan ? r.makespan_stat.mean : r.tardiness_stat.mean;
}

}  // namespace

std::vector<MaintenanceChoice> choose_maintenance(const Instance& base, const Schedule& plan,
                                                  const std::vector<MaintenanceCandidate>& candidates,
                                                  const MaintenanceChoiceOptions& o) {
  if (o.pm_duration <= 0 || o.repair <= 0 || o.horizon <= 0 || o.failure_times < 1)
    throw InputError("maintenance", "the maintenance, repair and horizon must be positive, with at least one failure time");
  SimulationOptions sim = o.simulation;
  sim.mtbf_hours = 0;  // only the failure priced
  // Re-planning: the plan without a window gets the same search from the plan in hand as each
  // plan with one, so that a window is not credited with what the extra search finds.
  SearchOptions replan;
  replan.objective = o.objective;
  replan.time_limit_s = 0;
  replan.iterations = o.replan_iterations;
  replan.threads = 1;
  replan.seed = o.seed;
  replan.warm_start = &plan;
  auto replanned = [&](const Instance& inst) { return o.replan_iterations > 0 ? solve(inst, replan).schedule : plan; };
  const Schedule keep = replanned(base);
  const double as_is = realised(base, keep, sim, o.objective, {});
  std::vector<MaintenanceChoice> out;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const auto& c = candidates[k];
    const std::string key = fmt::format("candidates[{}]", k);
    if (c.machine < 0 || c.machine >= base.machine_count())
      throw InputError(key, fmt::format("machine {} does not exist (the instance has {})", c.machine, base.machine_count()));
    if (!(c.p_fail >= 0 && c.p_fail <= 1)) throw InputError(key, fmt::format("probability {} is not in [0, 1]", c.p_fail));
    double failing = 0;
    for (int i = 0; i < o.failure_times; ++i) {
      const Time at = static_cast<Time>((static_cast<double>(i) + 0.5) / o.failure_times * static_cast<double>(o.horizon));
      failing += realised(base, keep, sim, o.objective, {{c.machine, at, o.repair}});
    }
    failing /= o.failure_times;
    Instance with = base;
    with.calendars[c.machine].push_back(Window{0, o.pm_duration, "preventive", key});
    finish_calendars(with);
    MaintenanceChoice m;
    m.machine = c.machine;
    m.p_fail = c.p_fail;
    m.cost_keep = (1 - c.p_fail) * as_is + c.p_fail * failing;
    m.cost_maintain = realised(with, replanned(with), sim, o.objective, {});
    m.maintain = m.cost_maintain < m.cost_keep;
    out.push_back(m);
  }
  return out;
}

}  // namespace xinzhi::optimize
