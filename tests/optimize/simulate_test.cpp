// Simulation: exact replay without noise, reproducibility by seed, common random numbers.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "optimize/gantt.hpp"
#include "optimize/plan.hpp"
#include "optimize/simulate.hpp"
#include "optimize/validate.hpp"
#include "support/test_support.hpp"

#include <nlohmann/json.hpp>

using namespace xinzhi::optimize;

namespace {

Instance shop_with_calendar() {
  Instance inst = parse_fjsp("3 3 2\n2 2 1 5 2 7 1 3 4\n2 1 2 6 2 1 3 3 2\n3 1 1 2 1 3 5 2 2 3 3 4\n", "sim.fjs");
  inst.jobs[2].release = 3;
  inst.jobs[0].due = 10;
  inst.calendars[0].push_back({6, 11, "maintenance", "cal:1"});
  inst.calendars[2].push_back({2, 4, "failure", "cal:2"});
  finish_calendars(inst);
  return inst;
}

SearchOptions quick() {
  SearchOptions o;
  o.time_limit_s = 0;
  o.iterations = 300;
  return o;
}

}  // namespace

TEST(Simulation, WithoutNoiseReproducesTheMakespanExactly) {
  Instance inst = shop_with_calendar();
  auto r = solve(inst, quick());
  ASSERT_TRUE(validate(inst, r.schedule).ok());
  SimulationOptions o;
  o.replications = 3;
  auto rep = simulate(inst, r.schedule, o);
  for (double m : rep.makespan) EXPECT_EQ(m, static_cast<double>(r.schedule.makespan));
  EXPECT_EQ(rep.tardiness[0], r.schedule.weighted_tardiness);
  EXPECT_EQ(rep.makespan_stat.ci_low, rep.makespan_stat.ci_high);
}

TEST(Simulation, JobShopReplayIsExact) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  Instance inst = load_instance(jssp + "/instances/la01");
  SearchOptions o = quick();
  o.iterations = 2000;
  auto r = solve(inst, o);
  ASSERT_TRUE(validate(inst, r.schedule).ok());
  auto rep = simulate(inst, r.schedule, SimulationOptions{});
  EXPECT_EQ(rep.makespan_stat.mean, static_cast<double>(r.schedule.makespan));
}

TEST(Simulation, ReplicationsReproduceBySeedAndDifferAcrossSeeds) {
  Instance inst = shop_with_calendar();
  auto r = solve(inst, quick());
  ASSERT_TRUE(validate(inst, r.schedule).ok());
  SimulationOptions o;
  o.replications = 20;
  o.noise_cv = 0.3;
  o.mtbf_hours = 0.2;  // 12 minutes = 12 units
  o.mttr_hours = 0.05;
  o.seed = 5;
  auto a = simulate(inst, r.schedule, o);
  auto b = simulate(inst, r.schedule, o);
  EXPECT_EQ(a.makespan, b.makespan);
  EXPECT_EQ(a.tardiness, b.tardiness);
  o.seed = 6;
  auto c = simulate(inst, r.schedule, o);
  EXPECT_NE(a.makespan, c.makespan);
  // Breakdowns and noise cannot make a schedule with positive noise-free slack impossible,
  // but the spread must show.
  EXPECT_GT(a.makespan_stat.stddev, 0);
  EXPECT_LE(a.makespan_stat.ci_low, a.makespan_stat.mean);
  EXPECT_GE(a.makespan_stat.ci_high, a.makespan_stat.mean);
  for (double u : a.utilisation) EXPECT_TRUE(u > 0 && u <= 1);
}

TEST(Simulation, ComparingAScheduleWithItselfGivesZeroDifference) {
  Instance inst = shop_with_calendar();
  auto r = solve(inst, quick());
  ASSERT_TRUE(validate(inst, r.schedule).ok());
  SimulationOptions o;
  o.replications = 10;
  o.noise_cv = 0.2;
  o.mtbf_hours = 0.5;
  auto c = compare(inst, r.schedule, r.schedule, o);
  EXPECT_EQ(c.makespan_diff.mean, 0);
  EXPECT_EQ(c.makespan_diff.stddev, 0);
}

TEST(Plan, PlansWarehouseOrdersAroundDowntimeAndComparesWithFifo) {
  xinzhi::testing::TempDir dir;
  xinzhi::store::Warehouse wh(dir / "wh.db");
  const std::int64_t t0 = 1'780'000'000'000;  // ms
  std::vector<xinzhi::store::ProductionOrder> orders;
  for (int k = 0; k < 6; ++k) {
    xinzhi::store::ProductionOrder o;
    o.order_id = "O-" + std::to_string(k);
    o.product = "P";
    o.release_ms = t0 + k * 10 * 60000;
    o.due_ms = t0 + (60 + 20 * k) * 60000;
    o.weight = 1 + k % 2;
    o.operations.push_back({{{"CNC-1", 12.5 + k}, {"CNC-2", 15}}});
    o.operations.push_back({{{"PRESS", 8}}});
    o.operations.push_back({{{"CNC-2", 5}, {"PAINT", 9.5}}});
    orders.push_back(o);
  }
  wh.put_orders(orders);
  PlanOptions po;
  po.search.time_limit_s = 0;
  po.search.iterations = 300;
  po.simulation.replications = 8;
  po.simulation.noise_cv = 0.1;
  xinzhi::store::replace_downtime(wh.db(), "calendar.csv", {{"PRESS", t0 + 30 * 60000, t0 + 60 * 60000, "maintenance", "", ""}});
  xinzhi::store::replace_downtime(wh.db(), "model", {{"CNC-1", t0 + 90 * 60000, std::nullopt, "predicted failure", "", ""}});
  PlanResult r = plan_orders(wh, po);
  EXPECT_EQ(r.downtime_by_kind.at("maintenance"), 1u);
  EXPECT_EQ(r.downtime_by_kind.at("predicted failure"), 1u);
  EXPECT_EQ(r.instance.machine_count(), 4);
  EXPECT_TRUE(validate(r.instance, r.schedule).ok());
  EXPECT_TRUE(validate(r.instance, r.fifo).ok());
  EXPECT_LE(r.schedule.makespan, r.fifo.makespan);
  EXPECT_EQ(r.comparison.a.makespan.size(), 8u);
  EXPECT_NE(r.svg.find("url(#hatch)"), std::string::npos);
  EXPECT_EQ(r.instance.jobs[0].ops[0].options[0].duration, 13);  // 12.5 minutes rounds up
}

TEST(Plan, OrderWithoutEligibleMachineNamesItsKeyPath) {
  xinzhi::store::ProductionOrder o;
  o.order_id = "O-9";
  o.operations.push_back({{}});
  try {
    instance_from_orders({o});
    FAIL() << "expected an error";
  } catch (const xinzhi::Error& e) {
    EXPECT_NE(std::string(e.what()).find("orders[O-9].operations[0]"), std::string::npos);
  }
}

TEST(Gantt, SvgHasOneBarPerOperationAndJsonForECharts) {
  Instance inst = shop_with_calendar();
  auto r = solve(inst, quick());
  ASSERT_TRUE(validate(inst, r.schedule).ok());
  const std::string svg = gantt_svg(inst, r.schedule);
  std::size_t bars = 0;
  for (std::size_t p = 0; (p = svg.find("<g><rect", p)) != std::string::npos; ++p) ++bars;
  EXPECT_EQ(bars, r.schedule.ops.size());
  EXPECT_NE(svg.find("url(#hatch)"), std::string::npos);
  auto j = gantt_json(inst, r.schedule);
  EXPECT_EQ(j["data"].size(), r.schedule.ops.size());
  EXPECT_EQ(j["windows"].size(), 2u);
  EXPECT_EQ(j["data"][0]["value"].size(), 5u);
}

TEST(SimulationStat, TheIntervalOfNonNegativeFiguresStaysAtOrAboveZero) {
  // Mostly zero tardiness with one late run: the t interval would reach below zero.
  const Stat s = summarise({0, 0, 0, 0, 120});
  EXPECT_DOUBLE_EQ(s.mean, 24);
  EXPECT_DOUBLE_EQ(s.ci_low, 0);
  EXPECT_GT(s.ci_high, 24);
  // Signed figures (differences) keep their interval.
  EXPECT_LT(summarise({-5, 0, 5, -10, 10}).ci_low, -5);
}
