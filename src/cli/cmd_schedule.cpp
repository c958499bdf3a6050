// `xinzhi schedule INSTANCE`: plan a job shop or flexible job shop (a benchmark file or the
// warehouse's production orders) around machine calendars, check a schedule, simulate it
// under noise and breakdowns against FIFO, and draw it.
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "optimize/gantt.hpp"
#include "optimize/plan.hpp"
#include "optimize/validate.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

namespace opt = xinzhi::optimize;

struct ScheduleOptions {
  std::string instance, format = "auto", db, calendar, objective = "makespan", rule, out, csv, gantt, gantt_json, check, compare;
  double time_limit = 10, target = -1;
  bool time_limit_given = false, allow_zero = false, backlog = false;
  std::vector<std::string> downtime_kinds;
  int threads = 1;
  std::uint64_t seed = 1;
  std::int64_t iterations = 0;
  int simulate = 0;
  double noise = 0, mtbf = 0, mttr = 1;
};

void print_stat(const char* name, const opt::Stat& s, int digits = 1) {
  std::cout << fmt::format("  {:<22} {:>10.{}f}  95% CI [{:.{}f}, {:.{}f}]\n", name, s.mean, digits, s.ci_low, digits, s.ci_high, digits);
}

void run_schedule(const ScheduleOptions& o) {
  opt::Instance inst;
  if (!o.db.empty()) {
    if (!o.instance.empty()) throw UsageError("give either an INSTANCE file or --db, not both");
    store::Warehouse wh(o.db, /*create=*/false);
    opt::PlanOptions po;
    po.backlog = o.backlog;
    po.downtime_kinds = o.downtime_kinds;
    std::map<std::string, std::size_t> by_kind;
    inst = opt::warehouse_instance(wh, po, &by_kind);
    std::size_t windows = 0;
    std::vector<std::string> kinds;
    for (const auto& [kind, n] : by_kind) windows += n, kinds.push_back(fmt::format("{} {}", n, kind));
    std::cout << fmt::format("{}: {} production orders{}, around {} downtime window(s){}\n", o.db, inst.job_count(),
                             o.backlog ? " as a backlog (all on hand at the start)" : "", windows,
                             windows ? fmt::format(" ({})", fmt::join(kinds, ", ")) : "");
  } else {
    if (o.instance.empty()) throw UsageError("give an INSTANCE file (job-shop or flexible job-shop format) or --db WAREHOUSE");
    inst = opt::load_instance(o.instance, o.format, o.allow_zero);
  }
  if (!o.calendar.empty()) opt::load_calendar(inst, o.calendar);

  const opt::Objective objective = o.objective == "tardiness" ? opt::Objective::weighted_tardiness : opt::Objective::makespan;
  opt::Schedule schedule;
  if (!o.check.empty()) {
    schedule = opt::schedule_from_json(inst, o.check);
    auto report = opt::validate(inst, schedule);
    if (!report.ok())
      throw InputError(o.check, fmt::format("the schedule is not valid ({} problem{}):\n{}", report.problem_count,
                                            report.problem_count == 1 ? "" : "s", report.summary()));
    std::cout << fmt::format("{}: valid schedule of {} operations on {} machines; makespan {}, weighted tardiness {}\n",
                             o.check, schedule.ops.size(), inst.machine_count(), schedule.makespan, schedule.weighted_tardiness);
  } else if (!o.rule.empty()) {
    opt::FlatShop shop(inst);
    const opt::Rule rule = opt::parse_rule(o.rule);
    schedule = opt::to_schedule(shop, opt::dispatch(shop, rule), "rule:" + opt::rule_name(rule));
    if (schedule.makespan >= opt::kForever)
      throw InputError(o.calendar, "no schedule fits the machine calendars: a machine down for good cannot take its work");
    std::cout << fmt::format("{}: {} dispatching: makespan {}, weighted tardiness {} (lower bound {})\n", inst.name,
                             opt::rule_name(rule), schedule.makespan, schedule.weighted_tardiness, schedule.lower_bound);
    auto report = opt::validate(inst, schedule);
    if (!report.ok()) throw InternalError("the dispatching rule produced an invalid schedule:\n" + report.summary());
    std::cout << "  validator: ok\n";
  } else {
    opt::SearchOptions so;
    so.objective = objective;
    so.time_limit_s = (o.iterations > 0 && !o.time_limit_given) ? 0 : o.time_limit;
    so.iterations = o.iterations;
    so.threads = o.threads;
    so.seed = o.seed;
    so.target = o.target;
    so.progress = true;
    auto r = opt::solve(inst, so);
    schedule = r.schedule;
    const bool mk = objective == opt::Objective::makespan;
    const double gap = mk && r.value > 0 ? 100.0 * (r.value - r.lower_bound) / r.value : 0;
    std::cout << fmt::format("{}: {} jobs, {} machines, {} operations{}{}\n", inst.name, inst.job_count(), inst.machine_count(),
                             inst.operation_count(), inst.flexible() ? ", flexible" : "",
                             inst.has_calendars() ? ", with calendars" : "");
    std::cout << fmt::format("  start ({})      {}\n", r.start_rule, r.start_value);
    if (mk)
      std::cout << fmt::format("  best ({})  {} makespan, lower bound {} (gap {:.2f}%)\n", schedule.solver, r.value,
                               r.lower_bound, gap);
    else
      std::cout << fmt::format("  best ({})  {} weighted tardiness, makespan {}\n", schedule.solver, r.value, schedule.makespan);
    std::cout << fmt::format("  time {:.2f} s, best found at {:.2f} s, {} iterations, seed {}, {} thread{}\n", r.seconds,
                             r.seconds_to_best, r.iterations, o.seed, o.threads, o.threads == 1 ? "" : "s");
    auto report = opt::validate(inst, schedule);
    if (!report.ok()) throw InternalError("the solver produced an invalid schedule:\n" + report.summary());
    if (!o.db.empty()) {  // the plan of a warehouse's orders goes back into it (the server shows it)
      store::Warehouse wh(o.db, false);
      opt::store_plan(wh, inst, schedule, nullptr, objective);
    }
    std::cout << "  validator: ok\n";
  }

  if (!o.out.empty()) write_file_atomic(o.out, opt::schedule_to_json(inst, schedule).dump(1) + "\n");
  if (!o.csv.empty()) write_file_atomic(o.csv, opt::schedule_to_csv(inst, schedule));
  if (!o.gantt.empty()) write_file_atomic(o.gantt, opt::gantt_svg(inst, schedule));
  if (!o.gantt_json.empty()) write_file_atomic(o.gantt_json, opt::gantt_json(inst, schedule).dump() + "\n");

  if (o.simulate > 0) {
    opt::SimulationOptions so;
    so.replications = o.simulate;
    so.noise_cv = o.noise;
    so.mtbf_hours = o.mtbf;
    so.mttr_hours = o.mttr;
    so.seed = o.seed;
    opt::FlatShop shop(inst);
    opt::Schedule other;
    std::string other_name = "FIFO dispatching";
    if (!o.compare.empty()) {
      other = opt::schedule_from_json(inst, o.compare);
      auto report = opt::validate(inst, other);
      if (!report.ok())
        throw InputError(o.compare, fmt::format("the schedule to compare with is not valid:\n{}", report.summary()));
      other_name = o.compare;
    } else {
      other = opt::to_schedule(shop, opt::dispatch(shop, opt::Rule::fifo), "rule:FIFO");
    }
    const opt::Schedule& fifo = other;
    auto c = opt::compare(inst, schedule, fifo, so);
    std::cout << fmt::format("simulation: {} replications, noise CV {}, MTBF {} h, MTTR {} h, seed {} (common random numbers)\n",
                             so.replications, so.noise_cv, so.mtbf_hours, so.mttr_hours, so.seed);
    std::cout << fmt::format(" this schedule (planned makespan {}):\n", schedule.makespan);
    print_stat("realised makespan", c.a.makespan_stat);
    print_stat("weighted tardiness", c.a.tardiness_stat);
    print_stat("utilisation", c.a.utilisation_stat, 3);
    std::cout << fmt::format(" {} (planned makespan {}):\n", other_name, fifo.makespan);
    print_stat("realised makespan", c.b.makespan_stat);
    print_stat("weighted tardiness", c.b.tardiness_stat);
    print_stat("utilisation", c.b.utilisation_stat, 3);
    std::cout << fmt::format(" difference (this - {}), paired:\n", o.compare.empty() ? "FIFO" : "other");
    print_stat("makespan", c.makespan_diff);
    print_stat("weighted tardiness", c.tardiness_diff);
  }
}

}  // namespace

void add_schedule_command(CLI::App& app) {
  auto o = std::make_shared<ScheduleOptions>();
  CLI::App* cmd = app.add_subcommand(
      "schedule",
      "Schedule a job shop or flexible job shop around machine calendars (tabu search), check a schedule,\n"
      "simulate it under noise and breakdowns against FIFO, and draw it as a Gantt chart");
  cmd->add_option("instance", o->instance, "Instance file: job-shop (n m, then machine/duration pairs) or Brandimarte flexible job-shop format");
  cmd->add_option("--format", o->format, "Instance format: jssp, fjsp or auto")->check(CLI::IsMember({"jssp", "fjsp", "auto"}))->capture_default_str();
  cmd->add_flag("--allow-zero-durations", o->allow_zero, "Accept zero-length operations in instance files (orb07 has one); negative ones stay errors");
  cmd->add_option("--db", o->db,
                  "Schedule the production orders of this warehouse instead of a file (times in minutes), around the "
                  "downtime windows it holds");
  cmd->add_flag("--backlog", o->backlog, "With --db: the whole order book on hand at the start (releases ignored)");
  cmd->add_option("--downtime", o->downtime_kinds,
                  "With --db: plan around the warehouse's downtime windows of these kinds only (comma-separated, e.g. "
                  "planned,predicted; default: all)")
      ->delimiter(',');
  cmd->add_option("--calendar", o->calendar, "Unavailable windows: CSV 'machine,start,end,kind' or YAML; times in instance units or ISO-8601; empty end = down for good");
  cmd->add_option("--objective", o->objective, "What to minimise: makespan or tardiness (total weighted tardiness)")
      ->check(CLI::IsMember({"makespan", "tardiness"}))->capture_default_str();
  auto* tl = cmd->add_option("--time-limit", o->time_limit, "Search time in seconds (default 10; none when only --iterations is given)");
  cmd->add_option("--threads", o->threads, "Parallel searches sharing the best solution")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (one thread + --iterations: same seed, same schedule)")->capture_default_str();
  cmd->add_option("--iterations", o->iterations, "Stop each search thread after this many tabu iterations (deterministic)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--target", o->target, "Stop as soon as the objective reaches this value");
  cmd->add_option("--rule", o->rule, "Only dispatch by this rule (FIFO, SPT, LPT, MWKR, EDD, ATC), no search");
  cmd->add_option("--out", o->out, "Write the schedule as JSON");
  cmd->add_option("--csv", o->csv, "Write the schedule as CSV");
  cmd->add_option("--gantt", o->gantt, "Write a Gantt chart as SVG");
  cmd->add_option("--gantt-json", o->gantt_json, "Write the Gantt chart data as JSON for an ECharts custom series");
  cmd->add_option("--check", o->check, "Validate this schedule JSON against the instance instead of solving (exit 2 if invalid)");
  cmd->add_option("--simulate", o->simulate, "Simulate the schedule and FIFO dispatching this many seeded replications")->check(CLI::NonNegativeNumber);
  cmd->add_option("--compare", o->compare, "With --simulate: compare against this schedule JSON instead of FIFO dispatching");
  cmd->add_option("--noise", o->noise, "Coefficient of variation of processing times in simulation")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--mtbf", o->mtbf, "Mean time between machine failures in hours (0 = none; a benchmark unit counts as a minute)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--mttr", o->mttr, "Mean time to repair in hours")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->callback([o, tl] {
    o->time_limit_given = tl->count() > 0;
    run_schedule(*o);
  });
}

}  // namespace xinzhi::cli
