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

TEST(MaintenanceChoice, BadCandidatesAreRefused) {
  Schedule plan;
  const Instance inst = busy_machine(plan);
  MaintenanceChoiceOptions o;
  EXPECT_THROW(choose_maintenance(inst, plan, {{3, 0.5}}, o), xinzhi::Error);
  EXPECT_THROW(choose_maintenance(inst, plan, {{0, 1.5}}, o), xinzhi::Error);
  o.repair = 0;
  EXPECT_THROW(choose_maintenance(inst, plan, {{0, 0.5}}, o), xinzhi::Error);
}
