// Failure replay: given failures in the simulation (interrupt, resume, wait, merge), and the
// reactive / predictive / oracle plans against a plant's true failures: ordering of the realised
// figures, prevention by lead time, exact replay without noise, common random numbers, the
// captured share.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "optimize/failure_replay.hpp"
#include "optimize/validate.hpp"

using namespace xinzhi::optimize;

namespace {

// One machine, two jobs of 10 units each, run back to back.
Instance one_machine(Schedule& s) {
  Instance inst;
  inst.name = "one";
  inst.machines = {"M0"};
  inst.calendars.assign(1, {});
  for (int j = 0; j < 2; ++j) {
    Job job;
    job.name = fmt::format("J{}", j);
    job.ops.push_back({{{0, 10}}, fmt::format("one:{}", j)});
    inst.jobs.push_back(job);
  }
  s.instance = inst.name;
  s.ops = {{0, 0, 0, 0, 10}, {1, 0, 0, 10, 20}};
  compute_objectives(inst, s);
  return inst;
}

// Four jobs: a first operation on M0 (10) or the slower M1 (15), then 5 on M2; all due at 30.
// Without failures the best makespan is 35 with M0 doing at least two first operations, so a
// failure of M0 at 15 strikes a plan that does not know of it in the middle of an operation.
Instance two_stage() {
  Instance inst;
  inst.name = "two-stage";
  inst.machines = {"M0", "M1", "M2"};
  inst.calendars.assign(3, {});
  for (int j = 0; j < 4; ++j) {
    Job job;
    job.name = fmt::format("J{}", j);
    job.due = 30;
    job.ops.push_back({{{0, 10}, {1, 15}}, job.name + ".0"});
    job.ops.push_back({{{2, 5}}, job.name + ".1"});
    inst.jobs.push_back(job);
  }
  finish_calendars(inst);
  return inst;
}

const MachineFailure kFailure{0, 15, 100};  // M0 down [15, 115)

ReplayOptions quick(double noise_cv = 0, int replications = 1) {
  ReplayOptions o;
  o.search.time_limit_s = 0;
  o.search.iterations = 300;
  o.search.threads = 1;
  o.simulation.replications = replications;
  o.simulation.noise_cv = noise_cv;
  o.simulation.seed = 11;
  return o;
}

bool same_plan(const Schedule& a, const Schedule& b) {
  if (a.ops.size() != b.ops.size()) return false;
  for (std::size_t k = 0; k < a.ops.size(); ++k)
    if (a.ops[k].job != b.ops[k].job || a.ops[k].op != b.ops[k].op || a.ops[k].machine != b.ops[k].machine ||
        a.ops[k].start != b.ops[k].start)
      return false;
  return true;
}

}  // namespace

TEST(GivenFailures, InterruptTheRunningOperationWhichResumesAndTheQueuedOneWaits) {
  Schedule s;
  Instance inst = one_machine(s);
  SimulationOptions o;
  o.replications = 3;
  // Down [4, 10): J0 does 4, waits, does the other 6 by 16; J1 follows, 16 to 26. Every replication.
  auto r = simulate(inst, s, o, {{0, 4, 6}});
  for (double m : r.makespan) EXPECT_EQ(m, 26);
  // Overlapping failures are one repair, [4, 18): J0 ends at 24, J1 at 34.
  r = simulate(inst, s, o, {{0, 8, 10}, {0, 4, 6}});
  EXPECT_EQ(r.makespan[0], 34);
  // A failure while J1 would start makes it wait: down [10, 13) -> 13 to 23.
  r = simulate(inst, s, o, {{0, 10, 3}});
  EXPECT_EQ(r.makespan[0], 23);
  // A failure after the work is done changes nothing.
  r = simulate(inst, s, o, {{0, 20, 50}});
  EXPECT_EQ(r.makespan[0], 20);
}

TEST(GivenFailures, AddToRandomBreakdownsAndAreChecked) {
  Schedule s;
  Instance inst = one_machine(s);
  SimulationOptions o;
  o.replications = 20;
  o.mtbf_hours = 0.2;  // random breakdowns every 12 minutes (= units) on average
  o.mttr_hours = 0.05;
  o.seed = 3;
  const auto random_only = simulate(inst, s, o);
  const auto both = simulate(inst, s, o, {{0, 0, 30}});  // and down for the first 30 units
  for (std::size_t k = 0; k < both.makespan.size(); ++k) EXPECT_GE(both.makespan[k], 50);
  EXPECT_GT(both.makespan_stat.mean, random_only.makespan_stat.mean);
  try {
    simulate(inst, s, o, {{0, 1, 1}, {3, 0, 5}});
    FAIL() << "expected an error";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.place(), "failures[1]");
  }
  EXPECT_THROW(simulate(inst, s, o, {{0, 1, -1}}), xinzhi::Error);
}

TEST(FailureReplay, OracleBeatsReactiveAndPreventionLandsBetween) {
  const Instance inst = two_stage();
  // Preventive maintenance [5, 65) on M0 ahead of the failure at 15: shorter than the repair.
  const auto c = replay_failures(inst, {kFailure}, {{0, 5, 60}}, quick());
  EXPECT_EQ(c.reactive.name, "reactive");
  EXPECT_EQ(c.predictive.name, "predictive");
  EXPECT_EQ(c.oracle.name, "oracle");
  EXPECT_EQ(c.reactive.plan.makespan, 35);
  // Reactive: M0's second operation, started at 10, is interrupted at 15 and ends at 120.
  EXPECT_GE(c.reactive.realised.makespan[0], 125);
  // Oracle: M0 does one operation before 15, M1 the other three: 50, and exactly as planned.
  EXPECT_EQ(c.oracle.plan.makespan, 50);
  EXPECT_EQ(c.oracle.realised.makespan[0], 50);
  // Predictive: M1 does all four first operations: 65.
  EXPECT_EQ(c.predictive.realised.makespan[0], 65);
  EXPECT_EQ(c.predictive.plan.makespan, 65);
  EXPECT_LT(c.oracle.realised.makespan[0], c.predictive.realised.makespan[0]);
  EXPECT_LT(c.predictive.realised.makespan[0], c.reactive.realised.makespan[0]);
  EXPECT_GT(c.reactive.realised.tardiness[0], c.oracle.realised.tardiness[0]);
  EXPECT_EQ(c.reactive.failures_struck, 1);
  EXPECT_EQ(c.oracle.failures_struck, 1);
  EXPECT_EQ(c.predictive.failures_struck, 0);
  EXPECT_EQ(c.predictive.failures_prevented, 1);
  EXPECT_EQ(c.predictive.preventive_windows, 1);
  EXPECT_EQ(c.reactive.preventive_windows, 0);
  // Gains: (reactive - 65) / (reactive - 50), strictly between 0 and 1.
  const double r = c.reactive.realised.makespan[0];
  EXPECT_DOUBLE_EQ(c.captured_makespan, (r - 65) / (r - 50));
  EXPECT_GT(c.captured_makespan, 0);
  EXPECT_LT(c.captured_makespan, 1);
  // Each plan holds against its own calendars, and only there.
  Instance with_failure = inst;
  with_failure.calendars[0].push_back({15, 115, "failure", "test"});
  finish_calendars(with_failure);
  EXPECT_TRUE(validate(with_failure, c.oracle.plan).ok());
  EXPECT_FALSE(validate(with_failure, c.reactive.plan).ok());
}

TEST(FailureReplay, TardinessObjectiveOrdersThePoliciesTheSameWay) {
  ReplayOptions o = quick();
  o.search.objective = Objective::weighted_tardiness;
  const auto c = replay_failures(two_stage(), {kFailure}, {{0, 5, 60}}, o);
  EXPECT_GT(c.reactive.realised.tardiness_stat.mean, c.predictive.realised.tardiness_stat.mean);
  EXPECT_GT(c.predictive.realised.tardiness_stat.mean, c.oracle.realised.tardiness_stat.mean);
  EXPECT_EQ(c.oracle.realised.tardiness[0], c.oracle.plan.weighted_tardiness);
  EXPECT_GT(c.captured_tardiness, 0);
  EXPECT_LT(c.captured_tardiness, 1);
  EXPECT_LT(c.tardiness_gain_vs_reactive.mean, 0);  // predictive - reactive: better
}

TEST(FailureReplay, WithoutPredictionsThePredictivePlanIsTheReactiveOne) {
  const auto c = replay_failures(two_stage(), {kFailure}, {}, quick(0.2, 8));
  EXPECT_TRUE(same_plan(c.predictive.plan, c.reactive.plan));
  EXPECT_EQ(c.predictive.realised.makespan, c.reactive.realised.makespan);
  EXPECT_EQ(c.predictive.realised.tardiness, c.reactive.realised.tardiness);
  EXPECT_EQ(c.predictive.failures_struck, 1);
  EXPECT_EQ(c.predictive.failures_prevented, 0);
  EXPECT_EQ(c.captured_makespan, 0);
  EXPECT_EQ(c.captured_tardiness, 0);
  EXPECT_EQ(c.tardiness_gain_vs_reactive.mean, 0);
  EXPECT_EQ(c.tardiness_gain_vs_reactive.stddev, 0);
}

TEST(FailureReplay, PreventionNeedsTheWindowWithinTheLeadBeforeTheFailure) {
  ReplayOptions o = quick();
  o.prevent_lead = 8;  // a window must start in [7, 15] to prevent the failure at 15
  auto too_early = replay_failures(two_stage(), {kFailure}, {{0, 0, 5}}, o);
  EXPECT_EQ(too_early.predictive.failures_prevented, 0);
  EXPECT_EQ(too_early.predictive.failures_struck, 1);
  EXPECT_EQ(too_early.predictive.preventive_windows, 1);
  EXPECT_GT(too_early.predictive.realised.makespan[0], too_early.oracle.realised.makespan[0]);
  auto too_late = replay_failures(two_stage(), {kFailure}, {{0, 16, 5}}, o);
  EXPECT_EQ(too_late.predictive.failures_prevented, 0);
  EXPECT_EQ(too_late.predictive.failures_struck, 1);
  auto at_the_lead = replay_failures(two_stage(), {kFailure}, {{0, 7, 5}}, o);
  EXPECT_EQ(at_the_lead.predictive.failures_prevented, 1);
  EXPECT_EQ(at_the_lead.predictive.failures_struck, 0);
  auto at_the_failure = replay_failures(two_stage(), {kFailure}, {{0, 15, 5}}, o);
  EXPECT_EQ(at_the_failure.predictive.failures_prevented, 1);
  // A window on another machine prevents nothing.
  auto elsewhere = replay_failures(two_stage(), {kFailure}, {{1, 10, 5}}, o);
  EXPECT_EQ(elsewhere.predictive.failures_prevented, 0);
}

TEST(FailureReplay, WithoutNoiseOrFailuresEveryPolicyRealisesItsPlan) {
  const auto c = replay_failures(two_stage(), {}, {{0, 5, 60}}, quick(0, 3));
  for (const PolicyResult* p : {&c.reactive, &c.predictive, &c.oracle})
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(p->realised.makespan[k], static_cast<double>(p->plan.makespan)) << p->name;
      EXPECT_EQ(p->realised.tardiness[k], p->plan.weighted_tardiness) << p->name;
      EXPECT_EQ(p->failures_struck, 0) << p->name;
    }
  EXPECT_EQ(c.reactive.plan.makespan, 35);
  EXPECT_EQ(c.predictive.plan.makespan, 65);  // the window costs where no failure was due
  EXPECT_TRUE(std::isnan(c.captured_makespan));  // the oracle gains nothing
  EXPECT_TRUE(std::isnan(c.captured_tardiness));
}

TEST(FailureReplay, ThePoliciesSeeTheSameProcessingTimes) {
  // A failure and a preventive window long after the work is done: they change no plan, so
  // under common random numbers the three realise identical figures, replication by replication.
  const auto c = replay_failures(two_stage(), {{0, 10000, 50}}, {{1, 20000, 50}}, quick(0.3, 12));
  ASSERT_TRUE(same_plan(c.oracle.plan, c.reactive.plan));
  ASSERT_TRUE(same_plan(c.predictive.plan, c.reactive.plan));
  EXPECT_EQ(c.oracle.realised.makespan, c.reactive.realised.makespan);
  EXPECT_EQ(c.predictive.realised.makespan, c.reactive.realised.makespan);
  EXPECT_EQ(c.oracle.realised.tardiness, c.reactive.realised.tardiness);
  EXPECT_GT(c.reactive.realised.makespan_stat.stddev, 0);  // the noise shows
  EXPECT_EQ(c.reactive.failures_struck, 0);                // the failure came after the end
  EXPECT_EQ(c.tardiness_gain_vs_reactive.stddev, 0);
}

TEST(FailureReplay, PerfectPreventionCapturesAllOfTheOraclesGain) {
  // Preventive maintenance exactly where the failure would be: it costs what the oracle plans
  // around, so the predictive plan is the oracle's; with noise, the same draws give the same figures.
  const auto c = replay_failures(two_stage(), {kFailure}, {{0, 15, 100}}, quick(0.2, 10));
  EXPECT_TRUE(same_plan(c.predictive.plan, c.oracle.plan));
  EXPECT_EQ(c.predictive.realised.makespan, c.oracle.realised.makespan);
  EXPECT_GT(c.reactive.realised.makespan_stat.mean, c.oracle.realised.makespan_stat.mean);
  EXPECT_EQ(c.captured_makespan, 1);
  EXPECT_EQ(c.captured_tardiness, 1);
  EXPECT_EQ(c.predictive.failures_prevented, 1);
}

TEST(FailureReplay, BadInputNamesTheEntry) {
  const Instance inst = two_stage();
  try {
    replay_failures(inst, {kFailure, {7, 0, 1}}, {}, quick());
    FAIL() << "expected an error";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.place(), "truth[1]");
  }
  try {
    replay_failures(inst, {}, {{0, 5, 0}}, quick());
    FAIL() << "expected an error";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.place(), "predicted[0]");
  }
}
