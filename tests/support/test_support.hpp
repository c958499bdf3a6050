// Helpers shared by the tests: temporary folders, running the real `xinzhi` binary, and the
// path to ../shared/data (tests that need it skip with a clear message when it is absent).
#pragma once

#include <filesystem>
#include <string>

namespace xinzhi::testing {

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs `xinzhi ARGS` (ARGS is passed to the shell as written).
CommandResult run_xinzhi(const std::string& args);
// Expects `xinzhi ARGS` to fail as bad input: exit code 2, a message containing `fragment`, and
// no internal error.
void expect_input_error(const std::string& args, const std::string& fragment);
// Runs any shell command.
CommandResult run_shell(const std::string& command);

// ../shared/data/<name>, or "" when absent.
std::string shared_data(const std::string& name);
std::string source_dir();

void write_text(const std::string& path, const std::string& content);
std::string read_text(const std::string& path);

}  // namespace xinzhi::testing

// Skips the current test when a data set folder is missing.
#define XINZHI_REQUIRE_DATA(var, name)                                                     \
  const std::string var = ::xinzhi::testing::shared_data(name);                            \
  if (var.empty()) GTEST_SKIP() << "../shared/data/" name " is absent: this test needs it"
