#include "optimize/maintenance_choice.hpp"

#include <algorithm>

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
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const auto& c = candidates[k];
    const std::string key = fmt::format("candidates[{}]", k);
    if (c.machine < 0 || c.machine >= base.machine_count())
      throw InputError(key, fmt::format("machine {} does not exist (the instance has {})", c.machine, base.machine_count()));
    if (!(c.p_fail >= 0 && c.p_fail <= 1)) throw InputError(key, fmt::format("probability {} is not in [0, 1]", c.p_fail));
  }
  // Every search's plan: without a window, and with each machine's window.
  std::vector<Instance> with(candidates.size(), base);
  std::vector<Schedule> plans{replanned(base)};
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    with[k].calendars[candidates[k].machine].push_back(Window{0, o.pm_duration, "preventive", fmt::format("candidates[{}]", k)});
    finish_calendars(with[k]);
    plans.push_back(replanned(with[k]));
  }
  // Each case is priced with the best plan found for it by any search: a search from the plan in
  // hand varies with the instance it runs on by more than one window costs (measured on seed 45:
  // plans with a window that cost nothing beat the plan without by 2%, and every machine looked
  // worth maintaining), so a plan found while searching with a window counts for the plan without
  // it too, and the other way round.
  std::size_t best = 0;
  double as_is = realised(base, plans[0], sim, o.objective, {});
  for (std::size_t i = 1; i < plans.size(); ++i) {
    const double v = realised(base, plans[i], sim, o.objective, {});
    if (v < as_is) as_is = v, best = i;
  }
  const Schedule& keep = plans[best];
  std::vector<MaintenanceChoice> out;
  std::vector<const Schedule*> alone;  // per candidate: the plan its cost_maintain comes from
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const auto& c = candidates[k];
    double failing = 0;
    for (int i = 0; i < o.failure_times; ++i) {
      const Time at = static_cast<Time>((static_cast<double>(i) + 0.5) / o.failure_times * static_cast<double>(o.horizon));
      failing += realised(base, keep, sim, o.objective, {{c.machine, at, o.repair}});
    }
    failing /= o.failure_times;
    MaintenanceChoice m;
    m.machine = c.machine;
    m.p_fail = c.p_fail;
    m.cost_keep = (1 - c.p_fail) * as_is + c.p_fail * failing;
    const double own = realised(with[k], plans[k + 1], sim, o.objective, {});
    const double kept_as_is = realised(with[k], keep, sim, o.objective, {});
    m.cost_maintain = std::min(own, kept_as_is);
    alone.push_back(kept_as_is < own ? &keep : &plans[k + 1]);
    m.worth_alone = m.cost_maintain < m.cost_keep;
    out.push_back(m);
  }
  // Together: windows that each cost nothing alone can crowd one another (measured on seed 43:
  // six windows free one by one cost the plan 6.5% together). The machines worth it alone are
  // taken in order of their gain, each kept where what its window adds to the plan with the
  // windows already kept is less than the failure it expects to prevent, p (cost(failure) -
  // cost(as it is)).
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < out.size(); ++k)
    if (out[k].worth_alone) order.push_back(k);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return out[a].cost_keep - out[a].cost_maintain > out[b].cost_keep - out[b].cost_maintain;
  });
  Instance kept = base;
  Schedule kept_plan = keep;
  double kept_cost = as_is;
  bool any_kept = false;
  for (std::size_t k : order) {
    Instance trial;
    Schedule best_plan;
    double cost;
    if (!any_kept) {
      // Nothing kept yet: the trial is the machine's own instance, priced above (the same search
      // from the same plan would find the same plan again).
      trial = with[k];
      best_plan = *alone[k];
      cost = out[k].cost_maintain;
    } else {
      trial = kept;
      trial.calendars[candidates[k].machine].push_back(Window{0, o.pm_duration, "preventive", fmt::format("candidates[{}]", k)});
      finish_calendars(trial);
      // The best of the plans at hand for it: the one kept so far, the machine's own, and a new search.
      best_plan = replanned(trial);
      cost = realised(trial, best_plan, sim, o.objective, {});
      for (const Schedule* other : {&kept_plan, &plans[k + 1]}) {
        const double v = realised(trial, *other, sim, o.objective, {});
        if (v < cost) cost = v, best_plan = *other;
      }
    }
    out[k].marginal_cost = cost - kept_cost;
    out[k].failure_cost = out[k].cost_keep - as_is;  // p (cost(failure) - cost(as it is))
    if (out[k].marginal_cost < out[k].failure_cost) {
      out[k].maintain = true;
      kept = std::move(trial);
      kept_plan = std::move(best_plan);
      kept_cost = cost;
      any_kept = true;
    }
  }
  return out;
}

}  // namespace xinzhi::optimize
