// The AI4I reader: UCI's file (byte-order mark, CRLF) is read; another header, a ragged line, a
// non-number or a label other than 0 / 1 is an InputError naming file:line; the features follow
// the physics of the data's description and never read the failure columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "ai4i_data.hpp"
#include "core/error.hpp"

using namespace xinzhi;
using namespace xinzhi::bench;

namespace {

const std::string kHeader =
    "UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],"
    "Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF\r\n";

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("xinzhi-ai4i-test-" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

std::string place_of(const std::string& path) {
  try {
    read_ai4i(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    return e.place();
  }
  return "no error";
}

}  // namespace

TEST(Ai4iReader, ReadsTheFileAsPublished) {
  const auto path = write_temp("ok.csv", "\xEF\xBB\xBF" + kHeader + "1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\r\n" +
                                             "2,L47181,L,298.2,310,1408,46.3,3,1,0,1,0,0,0\r\n");
  const auto rows = read_ai4i(path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].type, 1);
  EXPECT_EQ(rows[1].type, 0);
  EXPECT_DOUBLE_EQ(rows[1].process_k, 310);
  EXPECT_EQ(rows[1].machine_failure, 1);
  EXPECT_EQ(rows[1].mode[1], 1);  // HDF
  const auto f = ai4i_features(rows[0]);
  ASSERT_EQ(f.size(), ai4i_feature_names().size());
  EXPECT_NEAR(f[6], 10.5, 1e-4);                            // temperature difference
  EXPECT_NEAR(f[7], 42.8 * 1551 * 2 * 3.14159265 / 60, 1);  // power in W
  EXPECT_NEAR(f[9], 0 - 12000, 1e-3);                       // overstrain margin of an M variant
  Ai4iRow failed = rows[0];
  failed.machine_failure = 1;
  failed.mode = {1, 1, 1, 1, 1};
  EXPECT_EQ(ai4i_features(failed), f);  // the labels never reach the features
}

// The rule flags hold where the data's labels do: the temperature difference is taken in double
// (rows 3237 and 3765 of the file, both "8.6 K" apart at under 1380 rpm, are HDF and not), power
// outside [3500, 9000] W, wear x torque above the type's limit.
TEST(Ai4iReader, RuleFlagsFollowTheLabelsAtTheirLimits) {
  const auto path = write_temp("rules.csv", kHeader + "3237,L1,L,300.8,309.4,1342,40.0,0,1,0,1,0,0,0\r\n" +
                                                "3765,L2,L,302.4,311.0,1329,40.0,0,0,0,0,0,0,0\r\n" +
                                                "3,L3,L,300.0,310.0,1400,23.8,0,1,0,0,1,0,0\r\n" +
                                                "4,L4,L,300.0,310.0,1400,24.0,0,0,0,0,0,0,0\r\n" +
                                                "5,H5,H,300.0,310.0,1500,60.0,216,0,0,0,0,0,0\r\n" +
                                                "6,M6,M,300.0,310.0,1500,60.0,201,1,0,0,0,1,0\r\n");
  const auto rows = read_ai4i(path);
  ASSERT_EQ(rows.size(), 6u);
  const auto names = ai4i_feature_names();
  auto flag = [&](std::size_t row, const std::string& name) {
    const auto at = std::find(names.begin(), names.end(), name);
    EXPECT_NE(at, names.end()) << name;
    return ai4i_features(rows[row])[static_cast<std::size_t>(at - names.begin())];
  };
  EXPECT_EQ(flag(0, "hdf_rule"), 1.f);  // 309.4 - 300.8 = 8.59999999999997
  EXPECT_EQ(flag(1, "hdf_rule"), 0.f);  // 311.0 - 302.4 = 8.60000000000002
  EXPECT_EQ(flag(2, "pwf_rule"), 1.f);  // 23.8 Nm x 1400 rpm = 3489 W
  EXPECT_EQ(flag(3, "pwf_rule"), 0.f);  // 24.0 Nm x 1400 rpm = 3519 W
  EXPECT_EQ(flag(4, "osf_rule"), 0.f);  // 216 x 60 = 12960, under 13000 (H)
  EXPECT_EQ(flag(5, "osf_rule"), 1.f);  // 201 x 60 = 12060, over 12000 (M)
}

TEST(Ai4iReader, BadLinesAreInputErrorsNamingFileAndLine) {
  auto path = write_temp("header.csv", "UDI,Type\r\n1,M\r\n");
  EXPECT_EQ(place_of(path), path + ":1");
  path = write_temp("ragged.csv", kHeader + "1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\r\n2,L1,L,298.2\r\n");
  EXPECT_EQ(place_of(path), path + ":3");
  path = write_temp("number.csv", kHeader + "1,M14860,M,298.1,hot,1551,42.8,0,0,0,0,0,0,0\r\n");
  EXPECT_EQ(place_of(path), path + ":2");
  path = write_temp("label.csv", kHeader + "1,M14860,M,298.1,308.6,1551,42.8,0,2,0,0,0,0,0\r\n");
  EXPECT_EQ(place_of(path), path + ":2");
  path = write_temp("type.csv", kHeader + "1,X14860,X,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\r\n");
  EXPECT_EQ(place_of(path), path + ":2");
}
