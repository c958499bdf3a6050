// The `xinzhi` command itself: help on every command, version, exit codes, typo suggestions.
#include <gtest/gtest.h>

#include <sstream>

#include "support/test_support.hpp"

using xinzhi::testing::run_xinzhi;

TEST(Cli, VersionAndHelp) {
  auto r = run_xinzhi("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output.rfind("xinzhi ", 0), 0u) << r.output;
  r = run_xinzhi("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"ingest", "sql", "run"}) EXPECT_NE(r.output.find(cmd), std::string::npos) << cmd;
}

TEST(Cli, EveryCommandHasHelp) {
  const auto top = run_xinzhi("--help").output;
  const auto start = top.find("Subcommands:");
  ASSERT_NE(start, std::string::npos);
  std::istringstream lines(top.substr(start));
  std::string line;
  int commands = 0;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') continue;
    const std::string cmd = line.substr(2, line.find(' ', 2) - 2);
    const auto r = run_xinzhi(cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.output.find("Usage:"), std::string::npos) << cmd;
    ++commands;
  }
  EXPECT_GE(commands, 3);
}

TEST(Cli, UsageErrorsExit1WithNearestName) {
  auto r = run_xinzhi("ingset x --db y");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown command 'ingset' (did you mean 'ingest'?)"), std::string::npos) << r.output;
  r = run_xinzhi("ingest x --dbb y");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown option '--dbb' for 'ingest' (did you mean '--db'?)"), std::string::npos) << r.output;
  r = run_xinzhi("");
  EXPECT_EQ(r.exit_code, 1);
  r = run_xinzhi("--quiet ingset");  // a flag takes no value: the next word is the command
  EXPECT_NE(r.output.find("unknown command 'ingset'"), std::string::npos) << r.output;
  r = run_xinzhi("--log-format xml sql a b");
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(Cli, JsonLogFormatWritesOneObjectPerLine) {
  xinzhi::testing::TempDir dir;
  xinzhi::testing::write_text(dir / "a.csv", "ts,machine,sensor,value\n2026-01-01T00:00:00Z,M1,power,1\n");
  xinzhi::testing::write_text(dir / "p.yaml", "name: t\nstages:\n  - ingest: {path: a.csv}\n");
  // Only stderr (the log), not the "report:" line on stdout.
  const auto r = xinzhi::testing::run_shell(std::string("{ ") + XINZHI_BINARY + " --log-format json run " + (dir / "p.yaml") +
                                            " --runs-dir " + (dir / "runs") + " >/dev/null; }");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
    EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos) << line;
    ++n;
  }
  EXPECT_GE(n, 3);
}
