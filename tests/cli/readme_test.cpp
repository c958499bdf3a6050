// The README's one-stage script runs as written under `set -e` (made small: one day of four
// machines, one epoch, a second of search), so that the commands a new user copies chain.
#include <gtest/gtest.h>

#include <string>

#include "support/test_support.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::run_shell;
using xinzhi::testing::source_dir;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
}

}  // namespace

TEST(Readme, OneStageScriptRunsUnderSetE) {
  const std::string readme = read_text(source_dir() + "/README.md");
  const auto begin = readme.find("<!-- one-stage-script");
  const auto end = readme.find("<!-- end of one-stage-script -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const auto open = readme.find("```sh\n", begin), close = readme.rfind("```", end);
  ASSERT_TRUE(open != std::string::npos && open < close && close < end);
  std::string script = readme.substr(open + 6, close - open - 6);
  ASSERT_EQ(script.rfind("set -e\n", 0), 0u) << script;
  TempDir dir;
  // Smaller, elsewhere, with this build.
  replace_all(script, "--days 7", "--days 1 --machines 4");
  replace_all(script, "--epochs 12", "--epochs 1");
  replace_all(script, "--time-limit 20", "--time-limit 1");
  replace_all(script, "--simulate 30", "--simulate 3");
  replace_all(script, "/tmp/xinzhi-", (dir.path() / "xinzhi-").string());
  replace_all(script, "build/xinzhi", XINZHI_BINARY);
  replace_all(script, "examples/", source_dir() + "/examples/");
  write_text(dir / "one-stage.sh", script);
  const auto r = run_shell("bash " + (dir / "one-stage.sh"));
  ASSERT_EQ(r.exit_code, 0) << script << "\n" << r.output;
  for (const char* step : {"left alone: truth/", "clean: ", "fault classifier", "validator: ok", "min(ts)"})
    EXPECT_NE(r.output.find(step), std::string::npos) << step << "\n" << r.output;
}
