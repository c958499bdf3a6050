// The schedule stage: plans the warehouse's production orders around the downtime windows the
// warehouse holds (the plant's planned maintenance, and downtime predicted by models), next to
// FIFO dispatching; both are validated, compared in simulation under the same random draws,
// and the plan is drawn as a Gantt chart. `xinzhi schedule --db` does the same (plan_orders).
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/html.hpp"
#include "core/time.hpp"
#include "optimize/plan.hpp"
#include "optimize/maintenance_choice.hpp"
#include "score/plan_replay.hpp"
#include "store/downtime_table.hpp"
#include "store/maintenance_log.hpp"
#include "store/predictions_table.hpp"
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
    if (s.has("start")) {
      const std::string start = s.get<std::string>("start", "");
      const auto t = parse_iso8601(start);
      if (!t) s.fail_at("start", fmt::format("'{}' is not an ISO-8601 time", start));
      options_.origin_ms = *t;
    }
    replay_ = s.get<bool>("replay", true);
    // The twin's plant folder whose true failures the replay uses (default: the one this run's
    // simulate stage wrote), for a schedule stage run on its own against an earlier run's warehouse.
    truth_ = s.get<std::string>("truth", "");
    prevent_lead_h_ = s.get<double>("prevent_lead_h", 48);
    if (prevent_lead_h_ <= 0) s.fail_at("prevent_lead_h", "must be positive");
    // Each of the replay's four searches (the plan in hand, then each policy's re-plan from it)
    // runs this many tabu iterations on one thread: the same effort for every policy and the same
    // figures on every run (a time limit would make them depend on the machine's load; measured:
    // the captured share of one warehouse went from -105% to 37% between two runs).
    replay_iterations_ = s.get<std::int64_t>("replay_iterations", 15000);
    if (replay_iterations_ < 1) s.fail_at("replay_iterations", "must be at least 1");
    // Preventive maintenance before the plan: "priced" (each machine with a predicted risk is
    // maintained where simulating the re-planned plan says it pays, optimize/maintenance_choice.hpp;
    // it replaces the learn stage's windows) or "model" (the learn stage's windows, chosen by the
    // model's maintenance threshold on machine hours). Measured (bench/loop/run): on the demo model
    // captures 0% of the oracle's gain (no window), priced 103% (12 windows, all 3 failures
    // prevented); see bench/loop for the other seeds.
    maintenance_ = s.get<std::string>("maintenance", "priced");
    if (maintenance_ != "priced" && maintenance_ != "model") s.fail_at("maintenance", "must be priced or model");
    pm_hours_ = s.get<double>("pm_hours", 4);
    if (!(pm_hours_ > 0)) s.fail_at("pm_hours", "must be positive");
    if (s.has("time_limit_s") && options_.search.time_limit_s <= 0) s.fail_at("time_limit_s", "must be positive");
    if (options_.search.threads < 1) s.fail_at("threads", "must be at least 1");
    if (options_.simulation.replications < 2) s.fail_at("replications", "must be at least 2");
    s.finish();
  }
  std::string name() const override { return "schedule"; }
  std::string title() const override { return "Schedule: production orders around machine downtime"; }

  StageResult run(RunContext& ctx) override {
    std::string maintenance_html;
    nlohmann::json maintenance_metrics;
    std::optional<optimize::Schedule> in_hand;  // the first plan on the planned calendar, shared with the replay
    if (maintenance_ == "priced" && options_.origin_ms != 0)
      price_maintenance(*ctx.warehouse, maintenance_html, maintenance_metrics, in_hand);
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
    if (!maintenance_metrics.is_null()) m["maintenance"] = maintenance_metrics;
    r.html += maintenance_html;
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
    auto twin = ctx.outputs.find("twin_dir");
    if (!truth_.empty()) twin = ctx.outputs.insert_or_assign("twin_dir", ctx.resolve(truth_).string()).first;
    std::string replay_summary;
    if (replay_ && twin != ctx.outputs.end() && options_.origin_ms != 0)
      replay_summary = add_replay(*ctx.warehouse, twin->second, r, in_hand ? &*in_hand : nullptr);
    r.summary = replay_summary + fmt::format("{} orders; {} {:.0f} vs FIFO {:.0f}", plan.instance.jobs.size(),
                            tardiness ? "weighted tardiness" : "makespan",
                            tardiness ? plan.schedule.weighted_tardiness : static_cast<double>(plan.schedule.makespan),
                            tardiness ? plan.fifo.weighted_tardiness : static_cast<double>(plan.fifo.makespan));
    return r;
  }

 private:
  // The true failures replayed against the reactive, predictive and oracle plans.
  std::string add_replay(store::Warehouse& wh, const std::string& twin_dir, StageResult& r,
                         const optimize::Schedule* in_hand) const {
    optimize::PlanOptions opts = options_;
    opts.search = replay_search();
    const score::PlanReplay rp =
        score::replay_against_truth(wh, opts, twin_dir, static_cast<optimize::Time>(prevent_lead_h_ * 60), in_hand);
    const auto& c = rp.comparison;
    auto stat = [](const optimize::Stat& s) {
      return nlohmann::json{{"mean", s.mean}, {"ci95", {s.ci_low, s.ci_high}}, {"n", s.n}};
    };
    nlohmann::json policies = nlohmann::json::object();
    std::vector<std::vector<std::string>> rows;
    std::vector<html::Bar> bars, makespan_bars;
    auto ci = [](const optimize::Stat& s) { return fmt::format("{:.0f} [{:.0f}, {:.0f}]", s.mean, s.ci_low, s.ci_high); };
    for (const auto* p : {&c.reactive, &c.predictive, &c.oracle}) {
      policies[p->name] = {{"makespan", stat(p->realised.makespan_stat)},
                           {"weighted_tardiness", stat(p->realised.tardiness_stat)},
                           {"failures_struck", p->failures_struck},
                           {"failures_prevented", p->failures_prevented},
                           {"preventive_windows", p->preventive_windows}};
      rows.push_back({p->name, ci(p->realised.makespan_stat), ci(p->realised.tardiness_stat),
                      std::to_string(p->failures_struck), std::to_string(p->failures_prevented),
                      std::to_string(p->preventive_windows)});
      bars.push_back({p->name, p->realised.tardiness_stat.mean});
      makespan_bars.push_back({p->name, p->realised.makespan_stat.mean});
    }
    auto share = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
    r.metrics["replay"] = {{"true_failures", rp.true_failures},
                           {"predicted_windows", rp.predicted_windows},
                           {"prevent_lead_h", prevent_lead_h_},
                           {"search_iterations", replay_iterations_},
                           {"policies", policies},
                           {"captured_tardiness", share(c.captured_tardiness)},
                           {"captured_makespan", share(c.captured_makespan)}};
    auto pct = [](double v) { return std::isnan(v) ? std::string("n/a (the oracle gains nothing)") : fmt::format("{:.0f}%", 100 * v); };
    r.html += fmt::format(
        "<h3>Against what really happened: the true failures replayed</h3><p>{} of the twin's true failures fall on "
        "the plan's machines after its start. Each policy's plan is executed {} times under the same random draws "
        "with those failures breaking in. All three re-plan from one first plan with the same search effort ({} tabu "
        "iterations each, one thread: the figures repeat exactly). <b>reactive</b> knows nothing of them; "
        "<b>predictive</b> plans the {} "
        "preventive maintenance windows the learn stage placed before predicted failures (a window up to {:.0f} h "
        "before a failure prevents it); <b>oracle</b> knows the true failures in advance.</p>",
        rp.true_failures, options_.simulation.replications, replay_iterations_, rp.predicted_windows, prevent_lead_h_);
    r.html += html::table({"policy", "#realised makespan, mean [95% CI]", "#realised weighted tardiness",
                           "#failures struck", "#prevented", "#preventive windows"},
                          rows);
    r.html += html::bar_chart("Realised weighted tardiness by policy (mean over replications)", bars, "");
    r.html += html::bar_chart("Realised makespan by policy (mean over replications)", makespan_bars, " min");
    r.html += fmt::format("<p>The prediction captures {} of the oracle's gain over reactive in weighted tardiness, "
                          "{} in makespan.</p>",
                          pct(c.captured_tardiness), pct(c.captured_makespan));
    return fmt::format("predicted plan captures {} of the oracle's tardiness gain; ", pct(c.captured_tardiness));
  }

  // The learn stage's latest risk per machine at or before the start, priced against the plan in
  // hand (searched on the planned calendar alone, as the replay's first plan): the chosen windows
  // replace the model's in the warehouse.
  void price_maintenance(store::Warehouse& wh, std::string& html, nlohmann::json& metrics,
                         std::optional<optimize::Schedule>& in_hand) const {
    std::map<std::string, store::Prediction> latest;
    for (const auto& p : store::read_predictions(wh.db()))
      if (p.target == "failure_within" && p.ts <= options_.origin_ms &&
          (!latest.count(p.machine) || latest[p.machine].ts < p.ts))
        latest[p.machine] = p;
    if (latest.empty()) return;
    optimize::PlanOptions base_options = options_;
    base_options.downtime_kinds = {"planned"};
    const optimize::Instance base = optimize::warehouse_instance(wh, base_options);
    in_hand = optimize::solve(base, replay_search()).schedule;
    // The plant's mean repair: its log's breakdowns repaired before the start.
    const double repair_h = store::mean_repair_hours(store::read_breakdowns(wh.db()), options_.origin_ms).value_or(6.0);
    std::vector<optimize::MaintenanceCandidate> candidates;
    std::string model;
    std::int64_t horizon_ms = 0;
    for (const auto& [machine, p] : latest) {
      const int m = base.machine_index(machine);
      if (m < 0) continue;  // no order uses it: nothing to price
      candidates.push_back({m, p.value});
      model = p.model;
      horizon_ms = std::max(horizon_ms, p.horizon_ms);
    }
    optimize::MaintenanceChoiceOptions mo;
    mo.objective = options_.search.objective;
    mo.pm_duration = static_cast<optimize::Time>(pm_hours_ * 60);
    mo.repair = static_cast<optimize::Time>(repair_h * 60);
    mo.horizon = std::max<optimize::Time>(1, static_cast<optimize::Time>(horizon_ms / 60000));
    mo.simulation = options_.simulation;
    mo.simulation.replications = std::min(options_.simulation.replications, 10);
    mo.replan_iterations = replay_iterations_ / 5;
    mo.seed = options_.search.seed;
    const auto choices = optimize::choose_maintenance(base, *in_hand, candidates, mo);
    std::vector<store::DowntimeWindow> windows;
    std::vector<std::vector<std::string>> rows;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : choices) {
      const std::string& machine = base.machines[c.machine];
      rows.push_back({machine, fmt::format("{:.2f}", c.p_fail), fmt::format("{:.0f}", c.cost_keep),
                      fmt::format("{:.0f}", c.cost_maintain),
                      c.worth_alone ? fmt::format("{:+.0f}", c.marginal_cost) : "—",
                      c.worth_alone ? fmt::format("{:.0f}", c.failure_cost) : "—",
                      c.maintain ? "maintain" : (c.worth_alone ? "no (crowded)" : "—")});
      list.push_back({{"machine", machine}, {"p_fail", c.p_fail}, {"cost_keep", c.cost_keep},
                      {"cost_maintain", c.cost_maintain}, {"worth_alone", c.worth_alone},
                      {"marginal_cost", c.marginal_cost}, {"failure_cost", c.failure_cost}, {"maintain", c.maintain}});
      if (c.maintain)
        windows.push_back({machine, options_.origin_ms, options_.origin_ms + static_cast<TimestampMs>(pm_hours_ * 3.6e6),
                           "predicted", model,
                           fmt::format("preventive maintenance: failure within {:.0f} h with probability {:.2f}; priced "
                                       "by simulation: expected {:.0f} without, {:.0f} with",
                                       static_cast<double>(horizon_ms) / 3.6e6, c.p_fail, c.cost_keep, c.cost_maintain)});
    }
    store::replace_downtime(wh.db(), model, windows);
    metrics = {{"rule", "priced"}, {"repair_h", repair_h}, {"pm_hours", pm_hours_}, {"windows", windows.size()},
               {"machines", list}};
    html += fmt::format(
        "<h3>Preventive maintenance, priced by simulation</h3><p>For each machine with a predicted risk (model {}), "
        "the plan made on the planned calendar alone is executed as it is, with the machine failing at {} times over "
        "the next {:.0f} h (repaired for the plant's mean repair, {:.1f} h), and with a {:.0f} h maintenance at the "
        "start; a machine is worth maintaining alone where the expected realised {} is lower with the maintenance. "
        "Those are then taken together, best first: each is kept where its window adds less to the plan with the "
        "windows kept before it than the failure it expects to prevent (P(failure) times what the failure "
        "costs).</p>",
        html::escape(model), mo.failure_times, static_cast<double>(horizon_ms) / 3.6e6, repair_h, pm_hours_,
        options_.search.objective == optimize::Objective::makespan ? "makespan" : "weighted tardiness");
    html += html::table({"machine", "#P(failure)", "#expected without", "#with maintenance (alone)",
                         "#window adds (together)", "#failure expected to cost", "decision"},
                        rows);
  }

  // The search of the replay's plans and of the pricing's: a fixed number of iterations on one
  // thread, so that their figures repeat exactly.
  optimize::SearchOptions replay_search() const {
    optimize::SearchOptions search = options_.search;
    search.time_limit_s = 0;
    search.iterations = replay_iterations_;
    search.threads = 1;
    return search;
  }

  optimize::PlanOptions options_;
  std::string maintenance_ = "priced";
  double pm_hours_ = 4;
  bool replay_ = true;
  std::string truth_;
  double prevent_lead_h_ = 48;
  std::int64_t replay_iterations_ = 15000;
};

}  // namespace

std::unique_ptr<Stage> make_schedule_stage(const ConfigNode& settings) { return std::make_unique<ScheduleStage>(settings); }

}  // namespace xinzhi::pipeline
