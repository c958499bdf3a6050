// The schedule stage: plans the warehouse's production orders around the machines' downtime
// that the plant knows of (planned maintenance, and the failures the twin recorded, standing
// in for predicted ones), next to FIFO dispatching; both are validated, compared in simulation
// under the same random draws, and the plan is drawn as a Gantt chart.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "twin/twin_layout.hpp"
#include "core/error.hpp"
#include "core/html.hpp"
#include "core/time.hpp"
#include "optimize/plan.hpp"
#include "pipeline/stages/stages.hpp"

namespace xinzhi::pipeline {

namespace {

namespace fs = std::filesystem;

// machine,start,end,... rows of the twin's truth/maintenance.csv or truth/failures.csv.
std::vector<optimize::DowntimeWindow> read_windows(const fs::path& file, const std::string& kind) {
  std::vector<optimize::DowntimeWindow> out;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  for (long n = 2; std::getline(in, line); ++n) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t c; (c = line.find(',', start)) != std::string::npos; start = c + 1) f.push_back(line.substr(start, c - start));
    f.push_back(line.substr(start));
    if (f.size() < 3) throw InputError(place(file.string(), n), "expected machine,start,end,...");
    const auto s = parse_iso8601(f[1]), e = parse_iso8601(f[2]);
    if (!s || !e) throw InputError(place(file.string(), n), "bad start or end time");
    out.push_back({f[0], *s, *e, kind});
  }
  return out;
}

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
    options_.simulation.replications = s.get<int>("replications", 30);
    options_.simulation.noise_cv = s.get<double>("noise_cv", 0.1);
    options_.simulation.mtbf_hours = s.get<double>("mtbf_hours", 0);
    options_.simulation.mttr_hours = s.get<double>("mttr_hours", 2);
    use_failures_ = s.get<bool>("plan_around_failures", true);
    backlog_ = s.get<bool>("backlog", false);
    if (options_.search.time_limit_s <= 0) s.fail_at("time_limit_s", "must be positive");
    if (options_.search.threads < 1) s.fail_at("threads", "must be at least 1");
    if (options_.simulation.replications < 2) s.fail_at("replications", "must be at least 2");
    s.finish();
  }
  std::string name() const override { return "schedule"; }
  std::string title() const override { return "Schedule: production orders around machine downtime"; }

  StageResult run(RunContext& ctx) override {
    std::vector<optimize::DowntimeWindow> downtime;
    std::size_t maintenance = 0, failures = 0;
    if (auto twin = ctx.outputs.find("twin_dir"); twin != ctx.outputs.end()) {
      const fs::path dir(twin->second);
      downtime = read_windows(dir / twin::layout::kTruthMaintenance, "maintenance");
      maintenance = downtime.size();
      if (use_failures_) {
        auto f = read_windows(dir / twin::layout::kTruthFailures, "failure");
        failures = f.size();
        downtime.insert(downtime.end(), f.begin(), f.end());
      }
    }
    optimize::Instance instance = optimize::instance_from_orders(ctx.warehouse->orders(), options_.origin_ms);
    // backlog: the whole order book is on hand at the start (releases ignored), the usual
    // question of a planner who wants to know how soon it can all be done.
    if (backlog_)
      for (auto& job : instance.jobs) job.release = 0;
    optimize::add_downtime(instance, downtime);
    const optimize::PlanResult plan = optimize::plan_instance(std::move(instance), options_);
    const auto& a = plan.comparison.a;
    const auto& b = plan.comparison.b;
    const bool tardiness = options_.search.objective == optimize::Objective::weighted_tardiness;

    StageResult r;
    auto& m = r.metrics;
    m["orders"] = plan.instance.jobs.size();
    m["downtime_windows"] = {{"maintenance", maintenance}, {"failures", failures}};
    m["objective"] = tardiness ? "weighted_tardiness" : "makespan";
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
        "<p>{} production orders{} planned around {} maintenance windows and {} machine failures (minutes from the "
        "first release). The plan is checked by the validator; so is FIFO dispatching, the rule a shop would use "
        "without a scheduler. The simulation replays both machine sequences {} times with processing times varying "
        "by {:.0f}% (common random numbers).</p>",
        plan.instance.jobs.size(), backlog_ ? " (as a backlog: all on hand at the start)" : "", maintenance, failures,
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
  bool use_failures_ = true, backlog_ = false;
};

}  // namespace

std::unique_ptr<Stage> make_schedule_stage(const ConfigNode& settings) { return std::make_unique<ScheduleStage>(settings); }

}  // namespace xinzhi::pipeline
