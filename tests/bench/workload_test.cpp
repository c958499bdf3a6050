// The cleaning benchmark's workload (bench/clean/workload): known answers on a hand-made file,
// Python-repr number formatting, bad input, and byte-equality with the pandas peer.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "columnar_readings.hpp"
#include "number_format.hpp"
#include "workload.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::bench;
using xinzhi::testing::TempDir;

namespace {
std::string repr(double v) {
  char buf[40];
  return std::string(buf, format_double_repr(v, buf));
}

// A python3 that can import pandas (Debian's python3-pandas lives under /usr/bin/python3), or "".
xinzhi::testing::CommandResult run_workload_tool(const std::string& args) {
  return xinzhi::testing::run_shell(std::string(XINZHI_CLEAN_WORKLOAD) + " " + args);
}

std::string python_with_pandas() {
  for (const char* p : {"/usr/bin/python3", "python3"})
    if (xinzhi::testing::run_shell(std::string(p) + " -c 'import pandas'").exit_code == 0) return p;
  return "";
}
}  // namespace

TEST(CleanWorkload, FormatsNumbersLikePythonRepr) {
  EXPECT_EQ(repr(3000.0), "3000.0");
  EXPECT_EQ(repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(repr(1e-5), "1e-05");
  EXPECT_EQ(repr(0.0001), "0.0001");
  EXPECT_EQ(repr(-0.000125), "-0.000125");
  EXPECT_EQ(repr(1e16), "1e+16");
  EXPECT_EQ(repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(repr(1e22), "1e+22");
  EXPECT_EQ(repr(0.0), "0.0");
  EXPECT_EQ(repr(-2.5), "-2.5");
  EXPECT_EQ(repr(std::nan("")), "");
}

TEST(CleanWorkload, ParsesTimestampsAndValues) {
  const std::string csv = "ts,machine,sensor,value\n2026-01-01T00:00:00.000Z,M1,temp,1.25\n"
                          "2026-01-01T00:00:01.000Z,M0,temp,\r\n2026-01-01T00:00:02.000Z,M1,temp,-3e2\n";
  auto p = parse_readings_columns(csv, "x.csv", 2);
  ASSERT_EQ(p.rows(), 3u);
  ASSERT_EQ(p.series_machine.size(), 2u);
  EXPECT_EQ(p.series_machine[p.series[0]], "M1");
  EXPECT_EQ(p.series_machine[p.series[1]], "M0");
  EXPECT_EQ(p.value[0], 1.25);
  EXPECT_TRUE(std::isnan(p.value[1]));
  EXPECT_EQ(p.value[2], -300);
}

TEST(CleanWorkload, KnownAnswerOnHandMadeSeries) {
  TempDir dir;
  // One temperature series: a duplicate ts (the first kept), a row out of order, an
  // out-of-range value, a short gap (interpolated by time) and a gap over 10 minutes (kept).
  xinzhi::testing::write_text(dir / "in.csv",
                              "ts,machine,sensor,value\n"
                              "2026-01-01T00:00:00.000Z,M1,temperature,10\n"
                              "2026-01-01T00:00:30.000Z,M1,temperature,999\n"  // out of range
                              "2026-01-01T00:00:10.000Z,M1,temperature,20\n"  // out of order
                              "2026-01-01T00:00:10.000Z,M1,temperature,21\n"  // duplicate ts
                              "2026-01-01T00:00:40.000Z,M1,temperature,50\n"
                              "2026-01-01T00:00:50.000Z,M1,temperature,\n"
                              "2026-01-01T00:20:50.000Z,M1,temperature,60\n"
                              "2026-01-01T00:30:50.000Z,M1,temperature,\n");
  WorkloadOptions o;
  o.input = dir / "in.csv";
  o.output = dir / "out.csv";
  const auto s = run_workload(o);
  EXPECT_EQ(s.rows_in, 8u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.out_of_range, 1u);
  EXPECT_EQ(s.interpolated, 1u);
  EXPECT_EQ(s.left_missing, 2u);  // the long gap and the trailing missing value
  const std::string out = xinzhi::testing::read_text(dir / "out.csv");
  // Values after cleaning: 10, 20, 40 (between 20 at 10 s and 50 at 40 s), 50, NaN, 60, NaN.
  const double vals[] = {10, 20, 40, 50, 60};
  double mean = 0;
  for (double v : vals) mean += v / 5;
  double ss = 0;
  for (double v : vals) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / 4);
  std::string expect = "ts,machine,sensor,value,z\n";
  const char* times[] = {"00:00:00", "00:00:10", "00:00:30", "00:00:40", "00:00:50", "00:20:50", "00:30:50"};
  const double values[] = {10, 20, 40, 50, NAN, 60, NAN};
  for (int i = 0; i < 7; ++i)
    expect += std::string("2026-01-01T") + times[i] + ".000000Z,M1,temperature," + repr(values[i]) + "," +
              repr((values[i] - mean) / sd) + "\n";
  EXPECT_EQ(out, expect);
}

TEST(CleanWorkload, BadRowIsExitTwoNamingTheLine) {
  TempDir dir;
  xinzhi::testing::write_text(dir / "bad.csv", "ts,machine,sensor,value\n2026-01-01T00:00:00.000Z,M1,t,1\n"
                                               "2026-13-01T00:00:00.000Z,M1,t,2\n");
  auto r = run_workload_tool(dir / "bad.csv" + " " + dir / "o.csv");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.csv:3: bad timestamp '2026-13-01T00:00:00.000Z'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 row(s) refused"), std::string::npos) << r.output;
  xinzhi::testing::write_text(dir / "bad2.csv", "ts,machine,sensor,value\n2026-01-01T00:00:00.000Z,M1,t,abc\n");
  r = run_workload_tool(dir / "bad2.csv" + " " + dir / "o.csv");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad2.csv:2: value 'abc' is not a number"), std::string::npos) << r.output;
}

TEST(CleanWorkload, SameOutputAsThePandasPeer) {
  const std::string py = python_with_pandas();
  if (py.empty()) GTEST_SKIP() << "no python3 with pandas (scripts/install-deps installs python3-pandas)";
  const std::string peers = xinzhi::testing::source_dir() + "/../shared/peers";
  if (!std::filesystem::exists(peers + "/pandas_clean.py")) GTEST_SKIP() << peers << " is absent";
  TempDir dir;
  auto r = xinzhi::testing::run_shell(py + " " + peers + "/gen_readings.py 20000 " + dir / "in.csv" + " 7");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = xinzhi::testing::run_shell(py + " " + peers + "/pandas_clean.py " + dir / "in.csv" + " " + dir / "pandas.csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_workload_tool("--quiet " + dir / "in.csv" + " " + dir / "ours.csv" + " --threads 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string ours = xinzhi::testing::read_text(dir / "ours.csv");
  const std::string theirs = xinzhi::testing::read_text(dir / "pandas.csv");
  ASSERT_GT(ours.size(), 100000u);
  EXPECT_TRUE(ours == theirs) << "outputs differ; first difference at byte "
                              << std::mismatch(ours.begin(), ours.end(), theirs.begin(), theirs.end()).first - ours.begin();
}
