// The schedule stage: plans the warehouse's production orders around the downtime windows the
// warehouse holds (the plant's planned maintenance, and downtime predicted by models), next to
// FIFO dispatching; both are validated, compared in simulation under the same random draws,
// and the plan is drawn as a Gantt chart. `xinzhi schedule --db` does the same (plan_orders).
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/html.hpp"
#include "core/time.hpp"
#include "optimize/plan.hpp"
#include "pipeline/stages/stages.hpp"

namespace xinzhi::pipeline {

namespace {

class ScheduleStage : public Stage {
 public:
  explicit ScheduleStage(const ConfigNode& s) {
    const std::string objective = s.get<std::string>("objective", "tardiness");
    if (objective == "makespan") options_.search.objective = optimize::Objective::makespan;
    else if (objective == "tardiness") options_.search.objective = optimize::Objective::weighted_tardiness;
    else s.fail_at("objective", "must be makespan or tardiness");
    options_.search.time_limit_s = s.get<double>("time_limit_s", 20);
    options_.search.threads = s.get<int>("threads", 2);
    options_.search.seed = static_cast<std::uint64_t>(s.get<std::int64_t>("seed", 1));
    // A fixed number of tabu iterations (with threads: 1) makes the plan repeatable; then the
    // time limit applies only when given as well.
    options_.search.iterations = s.get<std::int64_t>("iterations", 0);
    if (options_.search.iterations < 0) s.fail_at("iterations", "must not be negative");
    if (options_.search.iterations > 0 && !s.has("time_limit_s")) options_.search.time_limit_s = 0;
    options_.simulation.replications = s.get<int>("replications", 30);
    options_.simulation.noise_cv = s.get<double>("noise_cv", 0.1);
    options_.simulation.mtbf_hours = s.get<double>("mtbf_hours", 0);
    options_.simulation.mttr_hours = s.get<double>("mttr_hours", 2);
    options_.backlog = s.get<bool>("backlog", false);
    options_.downtime_kinds = s.get<std::vector<std::string>>("downtime", {});
    if (s.has("time_limit_s") && options_.search.time_limit_s <= 0) s.fail_at("time_limit_s", "must be positive");
    if (options_.search.threads < 1) s.fail_at("threads", "must be at least 1");
    if (options_.simulation.replications < 2) s.fail_at("replications", "must be at least 2");
    s.finish();
  }
  std::string name() const override { return "schedule"; }
  std::string title() const override { return "Schedule: production orders around machine downtime"; }

  StageResult run(RunContext& ctx) override {
    const optimize::PlanResult plan = optimize::plan_orders(*ctx.warehouse, options_);
    auto windows = [&](const char* kind) {
      const auto it = plan.downtime_by_kind.find(kind);
      return it == plan.downtime_by_kind.end() ? std::size_t{0} : it->second;
    };
    std::size_t downtime = 0;
    for (const auto& [kind, n] : plan.downtime_by_kind) downtime += n;
    const std::size_t planned = windows("planned");
    const auto& a = plan.comparison.a;
    const auto& b = plan.comparison.b;
    const bool tardiness = options_.search.objective == optimize::Objective::weighted_tardiness;

    StageResult r;
    auto& m = r.metrics;
    m["orders"] = plan.instance.jobs.size();
    m["downtime_windows"] = plan.downtime_by_kind;
    m["objective"] = tardiness ? "weighted_tardiness" : "makespan";
    m["backlog"] = options_.backlog;
    m["iterations"] = plan.search.iterations;
    m["plan"] = {{"makespan_min", plan.schedule.makespan}, {"weighted_tardiness", plan.schedule.weighted_tardiness},
                 {"lower_bound", plan.search.lower_bound}, {"seconds", plan.search.seconds},
                 {"seconds_to_best", plan.search.seconds_to_best}, {"start_rule", plan.search.start_rule}};
    m["fifo"] = {{"makespan_min", plan.fifo.makespan}, {"weighted_tardiness", plan.fifo.weighted_tardiness}};
    auto stat = [](const optimize::Stat& s) {
      return nlohmann::json{{"mean", s.mean}, {"ci95", {s.ci_low, s.ci_high}}, {"n", s.n}};
    };
    m["simulation"] = {{"replications", options_.simulation.replications},
                       {"noise_cv", options_.simulation.noise_cv},
                       {"plan", {{"makespan", stat(a.makespan_stat)}, {"tardiness", stat(a.tardiness_stat)}, {"utilisation", stat(a.utilisation_stat)}}},
                       {"fifo", {{"makespan", stat(b.makespan_stat)}, {"tardiness", stat(b.tardiness_stat)}, {"utilisation", stat(b.utilisation_stat)}}},
                       {"makespan_diff", stat(plan.comparison.makespan_diff)},
                       {"tardiness_diff", stat(plan.comparison.tardiness_diff)}};

    auto ci = [](const optimize::Stat& s, int digits) {
      return fmt::format("{:.{}f} [{:.{}f}, {:.{}f}]", s.mean, digits, s.ci_low, digits, s.ci_high, digits);
    };
    r.html += fmt::format(
        "<p>{} production orders{} planned around the warehouse's {} downtime windows ({} from the plant's calendar) "
        "(minutes from the first release). The plan is checked by the validator; so is FIFO dispatching, the rule a "
        "shop would use without a scheduler. The simulation replays both machine sequences {} times with processing "
        "times varying by {:.0f}% (common random numbers).</p>",
        plan.instance.jobs.size(), options_.backlog ? " (as a backlog: all on hand at the start)" : "", downtime,
        planned,
        options_.simulation.replications,
        options_.simulation.noise_cv * 100);
    r.html += html::table(
        {"", "#makespan (min)", "#weighted tardiness", "#simulated makespan, mean [95% CI]", "#simulated tardiness",
         "#utilisation"},
        {{"plan (tabu search)", fmt::format("{}", plan.schedule.makespan), fmt::format("{:.0f}", plan.schedule.weighted_tardiness),
          ci(a.makespan_stat, 0), ci(a.tardiness_stat, 0), ci(a.utilisation_stat, 3)},
         {"FIFO dispatching", fmt::format("{}", plan.fifo.makespan), fmt::format("{:.0f}", plan.fifo.weighted_tardiness),
          ci(b.makespan_stat, 0), ci(b.tardiness_stat, 0), ci(b.utilisation_stat, 3)}});
    r.html += fmt::format("<p>Plan minus FIFO, paired over replications: makespan {}, weighted tardiness {}.</p>",
                          ci(plan.comparison.makespan_diff, 0), ci(plan.comparison.tardiness_diff, 0));
    r.html += "<h3>The plan</h3><div style=\"overflow-x:auto\">" + plan.svg + "</div>";
    r.summary = fmt::format("{} orders; {} {:.0f} vs FIFO {:.0f}", plan.instance.jobs.size(),
                            tardiness ? "weighted tardiness" : "makespan",
                            tardiness ? plan.schedule.weighted_tardiness : static_cast<double>(plan.schedule.makespan),
                            tardiness ? plan.fifo.weighted_tardiness : static_cast<double>(plan.fifo.makespan));
    return r;
  }

 private:
  optimize::PlanOptions options_;
};

}  // namespace

std::unique_ptr<Stage> make_schedule_stage(const ConfigNode& settings) { return std::make_unique<ScheduleStage>(settings); }

}  // namespace xinzhi::pipeline
