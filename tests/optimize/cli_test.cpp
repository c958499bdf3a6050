// `xinzhi schedule` end to end: solving, writing and checking schedules, simulation, and
// one clear message with the place and exit code 2 for each kind of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

// Runs the command on an instance with the given text; expects exit 2 and the place.
void expect_bad(const std::string& text, const std::string& place, const std::string& words,
                const std::string& extra = "", const std::string& name = "bad.txt") {
  TempDir dir;
  write_text(dir / name, text);
  auto r = run_xinzhi("schedule " + (dir / name) + " --iterations 10 " + extra);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(name + ":" + place), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(words), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("internal"), std::string::npos) << r.output;
}

const char* kShop = "3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 4 2 3 0 1\n";

}  // namespace

TEST(ScheduleCli, HelpListsTheOptions) {
  auto r = run_xinzhi("schedule --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--time-limit", "--threads", "--seed", "--iterations", "--rule", "--check", "--simulate", "--gantt",
                          "--calendar", "--mtbf"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}

TEST(ScheduleCli, SolvesWritesAndChecksAJobShop) {
  TempDir dir;
  write_text(dir / "shop.txt", kShop);
  write_text(dir / "cal.csv", "machine,start,end,kind\nM1,3,8,maintenance\n");
  auto r = run_xinzhi("-q schedule " + (dir / "shop.txt") + " --calendar " + (dir / "cal.csv") +
                      " --iterations 200 --out " + (dir / "s.json") + " --csv " + (dir / "s.csv") + " --gantt " +
                      (dir / "g.svg") + " --gantt-json " + (dir / "g.json") + " --simulate 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("validator: ok"), std::string::npos);
  EXPECT_NE(r.output.find("realised makespan"), std::string::npos);
  auto j = nlohmann::json::parse(read_text(dir / "s.json"));
  EXPECT_EQ(j["operations"].size(), 9u);
  EXPECT_NE(read_text(dir / "g.svg").find("<svg"), std::string::npos);
  EXPECT_NE(read_text(dir / "s.csv").find("job,op,machine,start,end"), std::string::npos);

  auto ok = run_xinzhi("schedule " + (dir / "shop.txt") + " --calendar " + (dir / "cal.csv") + " --check " + (dir / "s.json"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("valid schedule"), std::string::npos);

  // The same schedule ignores the calendar when checked without it? It stays valid; with a
  // window over everything it is not.
  write_text(dir / "cal2.csv", "machine,start,end,kind\nM0,0,1000,maintenance\n");
  auto bad = run_xinzhi("schedule " + (dir / "shop.txt") + " --calendar " + (dir / "cal2.csv") + " --check " + (dir / "s.json"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;

  j["operations"][0]["start"] = j["operations"][0]["start"].get<int>() + 1;
  write_text(dir / "t.json", j.dump());
  auto tampered = run_xinzhi("schedule " + (dir / "shop.txt") + " --check " + (dir / "t.json"));
  EXPECT_EQ(tampered.exit_code, 2) << tampered.output;
  EXPECT_NE(tampered.output.find("not valid"), std::string::npos);
}

TEST(ScheduleCli, SameSeedSameScheduleFromTheCommandLine) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  TempDir dir;
  for (const char* name : {"a.json", "b.json"}) {
    auto r = run_xinzhi("-q schedule " + jssp + "/instances/la02 --seed 4 --iterations 2000 --out " + (dir / name));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  EXPECT_EQ(read_text(dir / "a.json"), read_text(dir / "b.json"));
}

TEST(ScheduleCli, RuleOnlyAndFlexibleInstance) {
  XINZHI_REQUIRE_DATA(fjsp, "fjsp");
  auto r = run_xinzhi("-q schedule " + fjsp + "/instances/mk02.txt --rule spt");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SPT dispatching"), std::string::npos);
  EXPECT_NE(r.output.find("validator: ok"), std::string::npos) << r.output;
  auto bad = run_xinzhi("schedule " + fjsp + "/instances/mk02.txt --rule fastest");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
}

TEST(ScheduleCli, TruncatedFile) { expect_bad("3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n", "4", "truncated"); }

TEST(ScheduleCli, WrongJobCount) { expect_bad("2 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 4 2 3 0 1\n", "4", "more job lines"); }

TEST(ScheduleCli, WrongMachineCount) { expect_bad("3 4\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 4 2 3 0 1\n", "2", "expected 8"); }

TEST(ScheduleCli, NegativeDuration) { expect_bad("3 3\n0 3 1 2 2 2\n0 2 2 -1 1 4\n1 4 2 3 0 1\n", "3:", "durations must be positive"); }

TEST(ScheduleCli, ZeroDuration) {
  expect_bad("3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 0 2 3 0 1\n", "4:", "durations must be positive");
  // Accepted on request (orb07 has a zero), and the schedule still validates.
  TempDir dir;
  write_text(dir / "zero.txt", "3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 0 2 3 0 1\n");
  auto r = run_xinzhi("-q schedule " + (dir / "zero.txt") + " --allow-zero-durations --iterations 100");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("validator: ok"), std::string::npos) << r.output;
  EXPECT_EQ(run_xinzhi("schedule " + (dir / "zero.txt") + " --allow-zero-durations --iterations 1 --format jssp").exit_code, 0);
}

TEST(ScheduleCli, MachineIndexOutOfRange) { expect_bad("3 3\n0 3 1 2 2 2\n0 2 3 1 1 4\n1 4 2 3 0 1\n", "3:", "out of range"); }

TEST(ScheduleCli, FlexibleMachineOutOfRange) {
  expect_bad("2 2 1\n1 1 3 5\n1 1 1 2\n", "2:", "out of range 1..2", "--format fjsp");
}

TEST(ScheduleCli, FlexibleWrongOperationCount) {
  expect_bad("2 2 1\n2 1 1 5\n1 1 1 2\n", "2", "line ends", "--format fjsp");
}

TEST(ScheduleCli, OperationWithNoEligibleMachine) {
  expect_bad("2 2 1\n2 1 1 5 0\n1 1 1 2\n", "2:", "no eligible machine", "--format fjsp");
}

TEST(ScheduleCli, CalendarWindowThatMakesAnOperationImpossible) {
  TempDir dir;
  write_text(dir / "shop.txt", kShop);
  // M1 is down from 2 on for good, and free only [0, 2): job 2's first operation (4 units on
  // M1) can never run.
  write_text(dir / "cal.csv", "machine,start,end,kind\nM0,50,60,maintenance\nM1,2,,retired\n");
  auto r = run_xinzhi("schedule " + (dir / "shop.txt") + " --calendar " + (dir / "cal.csv") + " --iterations 10");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cal.csv:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no time on any eligible machine"), std::string::npos) << r.output;
}

TEST(ScheduleCli, CalendarWithUnknownMachineOrBackwardsWindow) {
  TempDir dir;
  write_text(dir / "shop.txt", kShop);
  write_text(dir / "a.csv", "machine,start,end,kind\nM7,2,5,maintenance\n");
  auto r = run_xinzhi("schedule " + (dir / "shop.txt") + " --calendar " + (dir / "a.csv"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("a.csv:2: unknown machine 'M7'"), std::string::npos) << r.output;
  write_text(dir / "b.yaml", "- {machine: M1, start: 2, end: 5}\n- {machine: M2, start: 9, end: 4}\n");
  r = run_xinzhi("schedule " + (dir / "shop.txt") + " --calendar " + (dir / "b.yaml"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("b.yaml:2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not after its start"), std::string::npos) << r.output;
}

TEST(ScheduleCli, MachineDownForGoodWithMoreWorkThanTimeLeft) {
  TempDir dir;
  write_text(dir / "shop.txt", kShop);
  // M0 must run 3 + 2 + 1 = 6 units but is free only [0, 5).
  write_text(dir / "cal.csv", "machine,start,end,kind\nM0,5,,predicted failure\n");
  auto r = run_xinzhi("schedule " + (dir / "shop.txt") + " --calendar " + (dir / "cal.csv") + " --iterations 10");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cal.csv:2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("down for good"), std::string::npos) << r.output;
  // With room for the work it plans before the machine goes down.
  write_text(dir / "ok.csv", "machine,start,end,kind\nM0,40,,predicted failure\n");
  auto ok = run_xinzhi("-q schedule " + (dir / "shop.txt") + " --calendar " + (dir / "ok.csv") + " --iterations 50");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("validator: ok"), std::string::npos) << ok.output;
}

TEST(ScheduleCli, SchedulesWarehouseOrdersAroundACalendarAndComparesSchedules) {
  TempDir dir;
  {
    xinzhi::store::Warehouse wh(dir / "wh.db");
    std::vector<xinzhi::store::ProductionOrder> orders;
    for (int k = 0; k < 4; ++k) {
      xinzhi::store::ProductionOrder o;
      o.order_id = "O-" + std::to_string(k);
      o.product = "P";
      o.release_ms = 1'780'000'000'000 + k * 600'000;
      o.due_ms = o.release_ms + 3'600'000;
      o.operations.push_back({{{"CNC-1", 20}, {"CNC-2", 25}}});
      o.operations.push_back({{{"PRESS", 10}}});
      orders.push_back(o);
    }
    wh.put_orders(orders);
  }
  // ISO-8601 times are converted to minutes from the earliest release.
  write_text(dir / "cal.csv", "machine,start,end,kind\nPRESS,2026-05-28T20:30:00Z,2026-05-28T21:00:00Z,maintenance\n");
  auto r = run_xinzhi("-q schedule --db " + (dir / "wh.db") + " --calendar " + (dir / "cal.csv") +
                      " --objective tardiness --iterations 200 --out " + (dir / "plan.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(read_text(dir / "plan.json"));
  EXPECT_EQ(j["operations"].size(), 8u);
  EXPECT_TRUE(j["operations"][0].contains("start_time"));
  auto fifo = run_xinzhi("-q schedule --db " + (dir / "wh.db") + " --calendar " + (dir / "cal.csv") + " --rule fifo --out " +
                         (dir / "fifo.json"));
  ASSERT_EQ(fifo.exit_code, 0) << fifo.output;
  auto cmp = run_xinzhi("-q schedule --db " + (dir / "wh.db") + " --calendar " + (dir / "cal.csv") + " --check " +
                        (dir / "plan.json") + " --simulate 4 --noise 0.1 --compare " + (dir / "fifo.json"));
  EXPECT_EQ(cmp.exit_code, 0) << cmp.output;
  EXPECT_NE(cmp.output.find("difference (this - other)"), std::string::npos) << cmp.output;
}
