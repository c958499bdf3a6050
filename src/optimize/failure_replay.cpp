// The reactive, predictive and oracle plans against the plant's true failures.
#include "optimize/failure_replay.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "optimize/validate.hpp"

namespace xinzhi::optimize {

namespace {

void check_inputs(const Instance& base, const std::vector<MachineFailure>& truth,
                  const std::vector<PreventiveWindow>& predicted, const ReplayOptions& options) {
  const int machines = base.machine_count();
  auto machine_ok = [&](const std::string& key, int m) {
    if (m < 0 || m >= machines)
      throw InputError(key, fmt::format("machine {} does not exist (the instance has {})", m, machines));
  };
  for (std::size_t k = 0; k < truth.size(); ++k) {
    const std::string key = fmt::format("truth[{}]", k);
    machine_ok(key, truth[k].machine);
    if (truth[k].repair < 0) throw InputError(key, fmt::format("repair time {} must not be negative", truth[k].repair));
  }
  for (std::size_t k = 0; k < predicted.size(); ++k) {
    const std::string key = fmt::format("predicted[{}]", k);
    machine_ok(key, predicted[k].machine);
    if (predicted[k].duration <= 0)
      throw InputError(key, fmt::format("preventive window length {} must be positive", predicted[k].duration));
  }
  if (options.prevent_lead < 0) throw UsageError(fmt::format("prevent_lead {} must not be negative", options.prevent_lead));
}

// The window replaces the worn part in time: on the failing machine, within the lead before the failure.
bool prevents(const PreventiveWindow& w, const MachineFailure& f, Time lead) {
  return w.machine == f.machine && w.start <= f.start && w.start >= f.start - lead;
}

using MachineWindow = std::pair<int, Window>;

// Windows that are empty or over by t = 0 cannot matter.
bool matters(const Window& w) { return w.end > 0 && w.end > w.start; }

// base with the windows that matter added to its calendars.
Instance with_windows(const Instance& base, const std::vector<MachineWindow>& windows) {
  Instance inst = base;
  for (const auto& [m, w] : windows)
    if (matters(w)) inst.calendars[m].push_back(w);
  finish_calendars(inst);
  return inst;
}

bool adds_windows(const std::vector<MachineWindow>& windows) {
  return std::any_of(windows.begin(), windows.end(), [](const MachineWindow& w) { return matters(w.second); });
}

PolicyResult execute(const std::string& name, const Instance& inst, Schedule plan, const std::vector<MachineFailure>& happen,
                     const SimulationOptions& simulation) {
  const auto report = validate(inst, plan);
  if (!report.ok()) throw InternalError(fmt::format("the {} plan failed validation: {}", name, report.summary()));
  PolicyResult p;
  p.name = name;
  p.plan = std::move(plan);
  p.realised = simulate(inst, p.plan, simulation, happen);
  const double end = *std::max_element(p.realised.makespan.begin(), p.realised.makespan.end());
  for (const auto& f : happen)
    if (static_cast<double>(f.start) < end && f.start + f.repair > 0) ++p.failures_struck;
  return p;
}

double captured(double reactive, double predictive, double oracle) {
  const double gain = reactive - oracle;
  return gain > 0 ? (reactive - predictive) / gain : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

ReplayComparison replay_failures(const Instance& base, const std::vector<MachineFailure>& truth,
                                 const std::vector<PreventiveWindow>& predicted, const ReplayOptions& options) {
  check_inputs(base, truth, predicted, options);
  SimulationOptions simulation = options.simulation;
  simulation.mtbf_hours = 0;  // the failures are the given ones, not random

  std::vector<MachineWindow> preventive, failure;
  for (std::size_t k = 0; k < predicted.size(); ++k) {
    const auto& w = predicted[k];
    preventive.push_back({w.machine, Window{w.start, w.start + w.duration, "preventive", fmt::format("predicted[{}]", k)}});
  }
  for (std::size_t k = 0; k < truth.size(); ++k) {
    const auto& f = truth[k];
    failure.push_back({f.machine, Window{f.start, f.start + f.repair, "failure", fmt::format("truth[{}]", k)}});
  }
  std::vector<MachineFailure> unprevented;
  int prevented = 0;
  for (const auto& f : truth) {
    const bool covered = std::any_of(predicted.begin(), predicted.end(),
                                     [&](const PreventiveWindow& w) { return prevents(w, f, options.prevent_lead); });
    if (covered)
      ++prevented;
    else
      unprevented.push_back(f);
  }

  // One search on the base calendars gives the plan in hand; each policy then re-plans from it
  // (SearchOptions::warm_start) with the same budget, so that all three had the same search
  // effort and differ by the windows they know of, not by the luck of separate searches. A policy
  // whose instance adds no window takes the reactive re-plan: identical situations, identical plans.
  ReplayComparison c;
  Schedule searched;
  if (!options.in_hand) {
    const SearchResult first = solve(base, options.search);
    spdlog::info("replay: the plan in hand after {} iterations in {:.1f} s: weighted tardiness {:.0f}, makespan {}",
                 first.iterations, first.seconds, first.schedule.weighted_tardiness, first.schedule.makespan);
    searched = first.schedule;
  }
  const Schedule& in_hand = options.in_hand ? *options.in_hand : searched;
  SearchOptions replan = options.search;
  replan.warm_start = &in_hand;
  const Schedule reactive_plan = solve(base, replan).schedule;
  c.reactive = execute("reactive", base, reactive_plan, truth, simulation);

  const Instance predictive_inst = with_windows(base, preventive);
  c.predictive = execute("predictive", predictive_inst,
                         !adds_windows(preventive) ? reactive_plan : solve(predictive_inst, replan).schedule, unprevented,
                         simulation);
  c.predictive.failures_prevented = prevented;
  c.predictive.preventive_windows = static_cast<int>(predicted.size());

  const Instance oracle_inst = with_windows(base, failure);
  c.oracle = execute("oracle", oracle_inst, !adds_windows(failure) ? reactive_plan : solve(oracle_inst, replan).schedule,
                     truth, simulation);

  c.captured_makespan =
      captured(c.reactive.realised.makespan_stat.mean, c.predictive.realised.makespan_stat.mean, c.oracle.realised.makespan_stat.mean);
  c.captured_tardiness = captured(c.reactive.realised.tardiness_stat.mean, c.predictive.realised.tardiness_stat.mean,
                                  c.oracle.realised.tardiness_stat.mean);
  std::vector<double> gain;
  for (std::size_t k = 0; k < c.reactive.realised.tardiness.size(); ++k)
    gain.push_back(c.predictive.realised.tardiness[k] - c.reactive.realised.tardiness[k]);
  c.tardiness_gain_vs_reactive = summarise(gain);
  return c;
}

}  // namespace xinzhi::optimize
