// Shop model, parsers, lower bound, dispatching rules and the validator.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "optimize/dispatch.hpp"
#include "optimize/schedule.hpp"
#include "optimize/validate.hpp"
#include "support/test_support.hpp"

using namespace xinzhi::optimize;

namespace {

// Three jobs on three machines; J0 is M0 3, M1 2, M2 2 ...
const char* kSmall =
    "3 3\n"
    "0 3 1 2 2 2\n"
    "0 2 2 1 1 4\n"
    "1 4 2 3 0 1\n";

}  // namespace

TEST(Shop, ParsesJobShop) {
  Instance inst = parse_jssp(kSmall, "small.txt");
  ASSERT_EQ(inst.job_count(), 3);
  ASSERT_EQ(inst.machine_count(), 3);
  EXPECT_EQ(inst.jobs[2].ops[0].options[0].machine, 1);
  EXPECT_EQ(inst.jobs[2].ops[0].options[0].duration, 4);
  EXPECT_FALSE(inst.flexible());
  // Longest job is 8 (J2: 4+3+1; J1: 2+1+4 = 7); heaviest machine M0: 3+2+1 = 6, M1: 2+4+4 = 10.
  EXPECT_EQ(lower_bound(inst), 10);
}

TEST(Shop, ParsesFlexibleJobShopWithOneBasedMachines) {
  Instance inst = parse_fjsp("2 2 1.5\n2 2 1 3 2 5 1 2 4\n1 1 1 2\n", "f.fjs");
  ASSERT_EQ(inst.job_count(), 2);
  ASSERT_EQ(inst.jobs[0].ops.size(), 2u);
  ASSERT_EQ(inst.jobs[0].ops[0].options.size(), 2u);
  EXPECT_EQ(inst.jobs[0].ops[0].options[1].machine, 1);
  EXPECT_EQ(inst.jobs[0].ops[0].options[1].duration, 5);
  EXPECT_TRUE(inst.flexible());
}

TEST(Shop, ParserErrorsNameTheLine) {
  auto message = [](const std::string& text, bool flexible) {
    try {
      flexible ? parse_fjsp(text, "x.txt") : parse_jssp(text, "x.txt");
    } catch (const xinzhi::Error& e) {
      EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("3 3\n0 3 1 2 2 2\n", false).find("x.txt:3"), std::string::npos);
  EXPECT_NE(message("2 2\n0 3 1 -2\n1 1 0 1\n", false).find("x.txt:2:"), std::string::npos);
  EXPECT_NE(message("2 2\n0 3 1 0\n1 1 0 1\n", false).find("durations must be positive"), std::string::npos);
  EXPECT_NE(message("2 2\n0 3 5 1\n1 1 0 1\n", false).find("out of range"), std::string::npos);
  EXPECT_NE(message("2 2\n0 3 1 1 0\n1 1 0 1\n", false).find("x.txt:2"), std::string::npos);
  EXPECT_NE(message("1 2 1\n1 0\n", true).find("no eligible machine"), std::string::npos);
  EXPECT_NE(message("1 2 1\n1 1 3 4\n", true).find("out of range 1..2"), std::string::npos);
}

TEST(Shop, EarliestFitSkipsWindows) {
  std::vector<Window> w{{10, 20, "pm", ""}, {25, 30, "pm", ""}, {50, kForever, "down", ""}};
  EXPECT_EQ(earliest_fit(w, 0, 10), 0);
  EXPECT_EQ(earliest_fit(w, 0, 11), 30);
  EXPECT_EQ(earliest_fit(w, 12, 5), 20);
  EXPECT_EQ(earliest_fit(w, 12, 6), 30);
  EXPECT_EQ(earliest_fit(w, 30, 21), kForever);
}

TEST(Shop, EveryRuleGivesAValidSchedule) {
  Instance inst = parse_jssp(kSmall, "small.txt");
  inst.jobs[1].release = 5;
  inst.jobs[0].due = 8;
  inst.calendars[2].push_back({4, 9, "maintenance", "cal:1"});
  finish_calendars(inst);
  FlatShop shop(inst);
  for (Rule r : all_rules()) {
    Schedule s = to_schedule(shop, dispatch(shop, r), rule_name(r));
    auto report = validate(inst, s);
    EXPECT_TRUE(report.ok()) << rule_name(r) << ": " << report.summary();
    EXPECT_GE(s.makespan, lower_bound(inst));
  }
}

TEST(Validator, CatchesEachKindOfViolation) {
  Instance inst = parse_jssp(kSmall, "small.txt");
  inst.calendars[0].push_back({100, 110, "maintenance", "cal:1"});
  FlatShop shop(inst);
  const Schedule good = to_schedule(shop, dispatch(shop, Rule::spt), "spt");
  ASSERT_TRUE(validate(inst, good).ok());
  auto broken = [&](auto&& change) {
    Schedule s = good;
    change(s);
    return validate(inst, s);
  };
  // Duration wrong.
  EXPECT_FALSE(broken([](Schedule& s) { s.ops[0].end += 1; }).ok());
  // Missing operation.
  EXPECT_FALSE(broken([](Schedule& s) { s.ops.pop_back(); }).ok());
  // Wrong machine.
  EXPECT_FALSE(broken([](Schedule& s) { s.ops[0].machine = (s.ops[0].machine + 1) % 3; }).ok());
  // Precedence: the second operation of job 0 moved to time 0.
  EXPECT_FALSE(broken([](Schedule& s) {
                 for (auto& o : s.ops)
                   if (o.job == 0 && o.op == 1) o.end -= o.start, o.start = 0;
               }).ok());
  // Machine overlap: every operation at time 0 with its duration.
  EXPECT_FALSE(broken([](Schedule& s) {
                 for (auto& o : s.ops) o.end -= o.start, o.start = 0;
               }).ok());
  // Calendar: the last operation moved into M0's window.
  auto cal = broken([](Schedule& s) {
    for (auto& o : s.ops)
      if (o.machine == 0 && o.job == 2) o.end = 105 + (o.end - o.start), o.start = 105;
  });
  ASSERT_FALSE(cal.ok());
  EXPECT_NE(cal.summary().find("unavailable"), std::string::npos);
  // Release date: a job that starts at 0 released at 1.
  Instance released = inst;
  for (const auto& o : good.ops)
    if (o.start == 0) released.jobs[o.job].release = 1;
  auto rel = validate(released, good);
  ASSERT_FALSE(rel.ok());
  EXPECT_NE(rel.summary().find("release"), std::string::npos);
}

TEST(Shop, LowerBoundNeverExceedsBestKnown) {
  XINZHI_REQUIRE_DATA(jssp, "jssp");
  XINZHI_REQUIRE_DATA(fjsp, "fjsp");
  EXPECT_LE(lower_bound(load_instance(jssp + "/instances/ft10")), 930);
  EXPECT_LE(lower_bound(load_instance(jssp + "/instances/ta01")), 1231);
  EXPECT_LE(lower_bound(load_instance(fjsp + "/instances/mk01.txt")), 40);
  EXPECT_LE(lower_bound(load_instance(fjsp + "/instances/mk10.txt")), 193);
  EXPECT_TRUE(load_instance(fjsp + "/instances/mk03.txt").flexible());
  EXPECT_FALSE(load_instance(jssp + "/instances/la01").flexible());
}
