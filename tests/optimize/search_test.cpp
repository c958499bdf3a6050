// Searches: every schedule passes the validator; determinism by seed with one thread and an
// iteration limit; ft06 reaches its optimum; flexible shops, calendars and tardiness.
#include <gtest/gtest.h>

#include "optimize/solver.hpp"
#include "optimize/validate.hpp"
#include "support/test_support.hpp"

using namespace xinzhi::optimize;

namespace {

SearchOptions by_iterations(std::int64_t n, std::uint64_t seed = 1) {
  SearchOptions o;
  o.time_limit_s = 0;
  o.iterations = n;
  o.seed = seed;
  return o;
}

void expect_valid(const Instance& inst, const Schedule& s) {
  auto r = validate(inst, s);
  EXPECT_TRUE(r.ok()) << r.summary();
}

bool same(const Schedule& a, const Schedule& b) {
  if (a.ops.size() != b.ops.size()) return false;
  for (std::size_t k = 0; k < a.ops.size(); ++k)
    if (a.ops[k].machine != b.ops[k].machine || a.ops[k].start != b.ops[k].start) return false;
  return true;
}

}  // namespace

TEST(Search, Ft06ReachesTheOptimum55) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  Instance inst = load_instance(jssp + "/instances/ft06");
  auto r = solve(inst, by_iterations(20000));
  expect_valid(inst, r.schedule);
  EXPECT_EQ(r.schedule.makespan, 55);
  EXPECT_LT(r.schedule.makespan, r.start_value);
}

TEST(Search, SameSeedOneThreadFixedIterationsIsDeterministic) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  Instance inst = load_instance(jssp + "/instances/la16");
  auto a = solve(inst, by_iterations(3000, 7));
  auto b = solve(inst, by_iterations(3000, 7));
  expect_valid(inst, a.schedule);
  EXPECT_TRUE(same(a.schedule, b.schedule));
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_LT(a.schedule.makespan, a.start_value);
}

TEST(Search, FlexibleSearchIsValidDeterministicAndImproves) {
  XINZHI_REQUIRE_DATA(fjsp, "fjsp");
  Instance inst = load_instance(fjsp + "/instances/mk01.txt");
  auto a = solve(inst, by_iterations(1500, 3));
  auto b = solve(inst, by_iterations(1500, 3));
  expect_valid(inst, a.schedule);
  EXPECT_TRUE(same(a.schedule, b.schedule));
  EXPECT_LE(a.schedule.makespan, a.start_value);
  EXPECT_GE(a.schedule.makespan, a.lower_bound);
  EXPECT_LE(a.schedule.makespan, 44);  // best known 40; the best rule gives far more
}

TEST(Search, TwoThreadsGiveAValidSchedule) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  Instance inst = load_instance(jssp + "/instances/ft10");
  SearchOptions o = by_iterations(2000);
  o.threads = 2;
  auto r = solve(inst, o);
  expect_valid(inst, r.schedule);
  EXPECT_GE(r.schedule.makespan, 930);
}

TEST(Search, PlansAroundCalendarsAndReleases) {
  Instance inst = parse_jssp("4 3\n0 5 1 4 2 3\n1 6 0 2 2 4\n2 3 1 5 0 2\n0 4 2 2 1 3\n", "cal.txt");
  inst.jobs[3].release = 6;
  inst.calendars[0].push_back({4, 12, "maintenance", "cal.csv:2"});
  inst.calendars[1].push_back({10, 15, "predicted failure", "cal.csv:3"});
  finish_calendars(inst);
  auto r = solve(inst, by_iterations(500));
  expect_valid(inst, r.schedule);
  EXPECT_EQ(r.schedule.solver, "tabu-flex");
  EXPECT_LE(r.schedule.makespan, r.start_value);
}

TEST(Search, WeightedTardinessObjective) {
  Instance inst = parse_jssp("5 3\n0 5 1 4 2 3\n1 6 0 2 2 4\n2 3 1 5 0 2\n0 4 2 2 1 3\n1 2 0 3 2 6\n", "due.txt");
  const xinzhi::optimize::Time dues[] = {12, 30, 10, 25, 14};
  for (int j = 0; j < 5; ++j) inst.jobs[j].due = dues[j], inst.jobs[j].weight = 1 + j % 3;
  SearchOptions o = by_iterations(800);
  o.objective = Objective::weighted_tardiness;
  auto r = solve(inst, o);
  expect_valid(inst, r.schedule);
  EXPECT_LE(r.schedule.weighted_tardiness, r.start_value);
  FlatShop shop(inst);
  for (Rule rule : all_rules())
    EXPECT_LE(r.schedule.weighted_tardiness, to_schedule(shop, dispatch(shop, rule), "").weighted_tardiness);
}

TEST(Search, JobsThatRevisitAMachine) {
  Instance inst = parse_jssp("3 3\n0 3 0 2 1 2\n1 2 1 4 0 1\n2 5 0 2 0 3\n", "revisit.txt");
  auto r = solve(inst, by_iterations(2000));
  expect_valid(inst, r.schedule);
  EXPECT_GE(r.schedule.makespan, lower_bound(inst));
}

// Re-planning from the plan in hand: ft06's optimum given as the warm start, with a search of
// one iteration (which from the rules alone does not reach it), is kept; and after a window is
// added to a machine's calendar, the re-plan is no worse than that plan pushed past the window.
TEST(Search, AWarmStartIsNeverLost) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  Instance inst = load_instance(jssp + "/instances/ft06");
  const Schedule best = solve(inst, by_iterations(20000)).schedule;
  ASSERT_EQ(best.makespan, 55);
  const SearchResult cold = solve(inst, by_iterations(1));
  ASSERT_GT(cold.schedule.makespan, 55) << "one iteration from the rules should not find the optimum";
  SearchOptions warm = by_iterations(1);
  warm.warm_start = &best;
  EXPECT_EQ(solve(inst, warm).schedule.makespan, 55);

  inst.calendars[0].push_back(Window{10, 20, "preventive", "test"});
  finish_calendars(inst);
  FlatShop shop(inst);
  const Schedule repaired = to_schedule(shop, solution_of(shop, best), "");
  const Schedule replanned = solve(inst, warm).schedule;
  expect_valid(inst, replanned);
  EXPECT_LE(replanned.makespan, repaired.makespan);
}
