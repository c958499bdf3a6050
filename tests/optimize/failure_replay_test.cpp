// Failure replay: given failures in the simulation (interrupt, resume, wait, merge).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "optimize/simulate.hpp"

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
