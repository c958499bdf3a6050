// Maintenance priced by simulation: a machine sure to fail is maintained when its failure costs
// the plan more than the window does, one that will not fail is not, and bad candidates are refused.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "optimize/maintenance_choice.hpp"
#include "optimize/shop.hpp"

using namespace xinzhi::optimize;

namespace {

// One machine, three jobs of 10 units back to back, each due at its end: any delay is tardiness.
Instance busy_machine(Schedule& s) {
  Instance inst;
  inst.name = "busy";
  inst.machines = {"M0"};
  inst.calendars.assign(1, {});
  for (int j = 0; j < 3; ++j) {
    Job job;
    job.name = fmt::format("J{}", j);
    job.due = 10 * (j + 1);
    job.ops.push_back({{{0, 10}}, fmt::format("busy:{}", j)});
    inst.jobs.push_back(job);
  }
  finish_calendars(inst);
  s.instance = inst.name;
  s.ops = {{0, 0, 0, 0, 10}, {1, 0, 0, 10, 20}, {2, 0, 0, 20, 30}};
  compute_objectives(inst, s);
  return inst;
}

}  // namespace

TEST(MaintenanceChoice, MaintainsWhereTheFailureCostsMoreThanTheWindow) {
  Schedule plan;
  const Instance inst = busy_machine(plan);
  MaintenanceChoiceOptions o;
  o.pm_duration = 5;  // delays all three jobs by 5: tardiness 15
  o.repair = 40;      // a failure within the first 30 delays what is left by 40
  o.horizon = 30;
  o.simulation.replications = 2;
  const auto sure = choose_maintenance(inst, plan, {{0, 1.0}}, o);
  ASSERT_EQ(sure.size(), 1u);
  EXPECT_DOUBLE_EQ(sure[0].cost_maintain, 15);
  EXPECT_GT(sure[0].cost_keep, sure[0].cost_maintain);
  EXPECT_TRUE(sure[0].maintain);
  const auto never = choose_maintenance(inst, plan, {{0, 0.0}}, o);
  EXPECT_DOUBLE_EQ(never[0].cost_keep, 0);  // as planned: nothing late
  EXPECT_FALSE(never[0].maintain);
  // A repair shorter than the window: even a sure failure is cheaper to let come.
  o.repair = 1;
  EXPECT_FALSE(choose_maintenance(inst, plan, {{0, 1.0}}, o)[0].maintain);
}

TEST(MaintenanceChoice, PricesWithTheBestPlanTheSearchesFind) {
  Schedule good;
  const Instance inst = busy_machine(good);
  // The plan in hand runs the jobs in the wrong order: the last due first.
  Schedule bad = good;
  bad.ops = {{2, 0, 0, 0, 10}, {1, 0, 0, 10, 20}, {0, 0, 0, 20, 30}};
  compute_objectives(inst, bad);
  ASSERT_GT(bad.weighted_tardiness, 0);
  MaintenanceChoiceOptions o;
  o.pm_duration = 5;
  o.repair = 40;
  o.horizon = 30;
  o.simulation.replications = 2;
  o.replan_iterations = 200;
  // Re-planned, the machine that will not fail costs what the best order costs: nothing late.
  const auto never = choose_maintenance(inst, bad, {{0, 0.0}}, o);
  EXPECT_DOUBLE_EQ(never[0].cost_keep, 0);
  EXPECT_DOUBLE_EQ(never[0].cost_maintain, 15);  // the window delays all three by 5
  EXPECT_FALSE(never[0].maintain);
}

TEST(MaintenanceChoice, WindowsFreeAloneAreKeptOnlyWhereTheyStayWorthItTogether) {
  // Two jobs of 10 due at 10, each on its own machine; a third machine can take either.
  Instance inst;
  inst.name = "spare";
  inst.machines = {"M0", "M1", "M2"};
  inst.calendars.assign(3, {});
  for (int j = 0; j < 2; ++j) {
    Job job;
    job.name = fmt::format("J{}", j);
    job.due = 10;
    job.ops.push_back({{{j, 10}, {2, 10}}, fmt::format("spare:{}", j)});
    inst.jobs.push_back(job);
  }
  finish_calendars(inst);
  Schedule plan;
  plan.instance = inst.name;
  plan.ops = {{0, 0, 0, 0, 10}, {1, 0, 1, 0, 10}};
  compute_objectives(inst, plan);
  MaintenanceChoiceOptions o;
  o.pm_duration = 5;
  o.repair = 40;
  o.horizon = 10;
  o.simulation.replications = 2;
  o.replan_iterations = 300;
  // Alone, either window is free (its job moves to M2) and a failure costs: worth it. Together the
  // second window costs 5 (one job waits), more than the failure it prevents, 0.1 x about 40.
  const auto c = choose_maintenance(inst, plan, {{0, 0.1}, {1, 0.1}}, o);
  ASSERT_EQ(c.size(), 2u);
  for (const auto& m : c) {
    EXPECT_DOUBLE_EQ(m.cost_maintain, 0) << m.machine;
    EXPECT_TRUE(m.worth_alone) << m.machine;
    EXPECT_GT(m.failure_cost, 1) << m.machine;
    EXPECT_LT(m.failure_cost, 5) << m.machine;
  }
  EXPECT_EQ(c[0].maintain + c[1].maintain, 1);
  const auto& second = c[0].maintain ? c[1] : c[0];
  EXPECT_DOUBLE_EQ(second.marginal_cost, 5);
  // Likelier failures pay for the crowding: both are kept.
  const auto likely = choose_maintenance(inst, plan, {{0, 0.5}, {1, 0.5}}, o);
  EXPECT_TRUE(likely[0].maintain && likely[1].maintain);
}

TEST(MaintenanceChoice, BadCandidatesAreRefused) {
  Schedule plan;
  const Instance inst = busy_machine(plan);
  MaintenanceChoiceOptions o;
  EXPECT_THROW(choose_maintenance(inst, plan, {{3, 0.5}}, o), xinzhi::Error);
  EXPECT_THROW(choose_maintenance(inst, plan, {{0, 1.5}}, o), xinzhi::Error);
  o.repair = 0;
  EXPECT_THROW(choose_maintenance(inst, plan, {{0, 0.5}}, o), xinzhi::Error);
}
