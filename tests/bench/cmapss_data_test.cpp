// The C-MAPSS reader: a file as published (trailing spaces) is read unit by unit; a ragged line,
// a field that is not a number, a unit that comes back or a cycle that goes backwards is an
// InputError naming file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cmapss_data.hpp"
#include "core/error.hpp"

using namespace xinzhi;
using namespace xinzhi::bench;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("xinzhi-cmapss-test-" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string line(int unit, int cycle, double s2 = 641.82) {
  std::string l = std::to_string(unit) + " " + std::to_string(cycle) + " -0.0007 -0.0004 100.0 518.67 " +
                  std::to_string(s2);
  for (int i = 3; i <= 21; ++i) l += " " + std::to_string(i);
  return l + " \n";  // the trailing space of the published files
}

void expect_input_error(const std::string& path, const std::string& where, const std::string& what) {
  try {
    read_cmapss(path);
    FAIL() << "no error for " << where;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    EXPECT_EQ(e.place(), where);
    EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
  }
}

}  // namespace

TEST(CmapssReader, ReadsUnitsAndColumnsAsPublished) {
  const auto path = write_temp("ok.txt", line(1, 1) + line(1, 2, 642.5) + line(2, 1));
  const CmapssSet set = read_cmapss(path);
  ASSERT_EQ(set.rows.size(), 3u);
  ASSERT_EQ(set.units.size(), 2u);
  EXPECT_EQ(set.units[0], (std::pair<std::size_t, std::size_t>{0, 2}));
  EXPECT_EQ(set.units[1], (std::pair<std::size_t, std::size_t>{2, 3}));
  EXPECT_EQ(set.rows[1].cycle, 2);
  EXPECT_DOUBLE_EQ(set.rows[0].setting[0], -0.0007);
  EXPECT_DOUBLE_EQ(set.rows[0].sensor[0], 518.67);  // s1
  EXPECT_DOUBLE_EQ(set.rows[1].sensor[1], 642.5);   // s2
  EXPECT_DOUBLE_EQ(set.rows[2].sensor[20], 21);     // s21
  EXPECT_EQ(read_cmapss_rul(write_temp("rul.txt", "112 \n98 \n")), (std::vector<double>{112, 98}));
}

TEST(CmapssReader, BadLinesAreInputErrorsNamingFileAndLine) {
  const std::string ragged = line(1, 1) + "1 2 0.1 0.2 100\n";
  auto path = write_temp("ragged.txt", ragged);
  expect_input_error(path, path + ":2", "26");
  std::string bad = line(1, 1, 641.0) + line(1, 2);
  bad.replace(bad.find("641.000000"), 10, "641,5x");
  path = write_temp("nan.txt", bad);
  expect_input_error(path, path + ":1", "not a number");
  path = write_temp("back.txt", line(1, 1) + line(2, 1) + line(1, 2));
  expect_input_error(path, path + ":3", "comes back");
  path = write_temp("cycle.txt", line(1, 2) + line(1, 2));
  expect_input_error(path, path + ":2", "cycle");
  path = write_temp("rulbad.txt", "112 \nabc \n");
  try {
    read_cmapss_rul(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.place(), path + ":2");
  }
}
