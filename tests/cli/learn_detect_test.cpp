// `xinzhi learn detect`: NAB's CSV in, `timestamp,value,anomaly_score` out (one row per input
// row), options, and bad input refused with file:line and exit code 2.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "support/test_support.hpp"

using namespace xinzhi::testing;

namespace {

std::string series(int rows, int spike_at) {
  std::string s = "timestamp,value\n";
  for (int i = 0; i < rows; ++i) {
    const int minutes = i * 5;
    const double v = 10 + 3 * std::sin(i * 0.1) + (i == spike_at ? 50 : 0);
    s += fmt::format("2014-04-{:02d} {:02d}:{:02d}:00,{}\n", 1 + minutes / 1440, minutes / 60 % 24, minutes % 60, v);
  }
  return s;
}

}  // namespace

TEST(LearnDetect, ScoresEveryRowInNabsLayout) {
  TempDir dir;
  write_text(dir / "s.csv", series(600, 500));
  auto r = run_xinzhi("learn detect " + (dir / "s.csv") + " -o " + (dir / "out.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string out = read_text(dir / "out.csv");
  long lines = 0;
  double spike = -1, max_other = 0;
  xinzhi::for_each_line(out, [&](long n, std::string_view line) {
    ++lines;
    if (n == 1) {
      EXPECT_EQ(line, "timestamp,value,anomaly_score");
      return;
    }
    std::vector<std::string> f;
    ASSERT_TRUE(xinzhi::split_csv(line, f));
    ASSERT_EQ(f.size(), 3u) << line;
    const double s = std::stod(f[2]);
    EXPECT_TRUE(s >= 0 && s <= 1) << line;
    if (n == 2) EXPECT_EQ(f[0], "2014-04-01 00:00:00");
    // Row 502 holds the spike; the runs of values that contain it (the next few rows) are
    // surprising too, so "normal" is the 200 rows before it.
    if (n == 502) spike = s;
    else if (n > 300 && n < 502) max_other = std::max(max_other, s);
  });
  EXPECT_EQ(lines, 601);
  EXPECT_DOUBLE_EQ(spike, 1.0);
  EXPECT_LT(max_other, spike);
  // Stdout gives the same; options change the scores (no warm-up is over within 600 rows).
  r = run_xinzhi("learn detect " + (dir / "s.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, out);
  r = run_xinzhi("learn detect " + (dir / "s.csv") + " --detector warmup=1000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find(",1.000000"), std::string::npos);
}

TEST(LearnDetect, BadInputNamesFileAndLine) {
  TempDir dir;
  write_text(dir / "nocol.csv", "time,value\n2014-04-01 00:00:00,1\n");
  expect_input_error("learn detect " + (dir / "nocol.csv"), "nocol.csv:1");
  write_text(dir / "num.csv", "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n");
  expect_input_error("learn detect " + (dir / "num.csv"), "num.csv:3: value 'abc' is not a number");
  write_text(dir / "back.csv", "timestamp,value\n2014-04-01 00:05:00,1\n2014-04-01 00:00:00,2\n");
  expect_input_error("learn detect " + (dir / "back.csv"), "back.csv:3: time goes backwards");
  write_text(dir / "ts.csv", "timestamp,value\nyesterday,1\n");
  expect_input_error("learn detect " + (dir / "ts.csv"), "ts.csv:2");
  write_text(dir / "ok.csv", "timestamp,value\n2014-04-01 00:00:00,1\n");
  expect_input_error("learn detect " + (dir / "ok.csv") + " --detector nosuch=1", "unknown detector option 'nosuch'");
  expect_input_error("learn detect " + (dir / "missing.csv"), "missing.csv");
}

TEST(LearnDetect, HelpText) {
  const auto r = run_xinzhi("learn detect --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("anomaly_score"), std::string::npos);
  EXPECT_NE(r.output.find("--detector"), std::string::npos);
}
