// `xinzhi simulate` as a user runs it: bad plant files give exit 2 with the place, the output
// folder is protected, --help documents every option.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "twin/twin_support.hpp"

namespace fs = std::filesystem;
using namespace xinzhi::testing;
using namespace xinzhi::testing::plants;

TEST(TwinCli, UnknownKeyIsRejectedWithItsPlace) {
  TempDir tmp;
  write_text(tmp / "plant.yaml", "name: x\ndays: 2\ngateways:\n  - id: g1\n    formt: csv\n");
  const auto r = run_xinzhi("simulate --plant " + (tmp / "plant.yaml") + " --out " + (tmp / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("plant.yaml:5:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gateways[0].formt"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

TEST(TwinCli, WrongTypeIsRejectedWithItsPlace) {
  TempDir tmp;
  write_text(tmp / "plant.yaml",
             "name: x\nmachine_types:\n  mill:\n    power_kw: lots\n");
  auto r = run_xinzhi("simulate --plant " + (tmp / "plant.yaml") + " --out " + (tmp / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("plant.yaml:4:15"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("machine_types.mill.power_kw"), std::string::npos) << r.output;

  write_text(tmp / "plant.yaml", "machines:\n  - {type: robot, count: 2}\n");
  r = run_xinzhi("simulate --plant " + (tmp / "plant.yaml") + " --out " + (tmp / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("plant.yaml:2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown machine type 'robot'"), std::string::npos) << r.output;

  write_text(tmp / "plant.yaml", "shifts:\n  - {start: \"25:00\", end: \"06:00\"}\n");
  r = run_xinzhi("simulate --plant " + (tmp / "plant.yaml") + " --out " + (tmp / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("shifts[0].start"), std::string::npos) << r.output;
}

TEST(TwinCli, MissingPlantFileIsInputError) {
  TempDir tmp;
  const auto r = run_xinzhi("simulate --plant " + (tmp / "nope.yaml") + " --out " + (tmp / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nope.yaml"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no such file"), std::string::npos) << r.output;
}

TEST(TwinCli, RunsRefusesANonEmptyFolderAndReplacesItWithForce) {
  TempDir tmp;
  write_text(tmp / "plant.yaml", small_plant_yaml(1));
  const std::string base = "-q simulate --plant " + (tmp / "plant.yaml") + " --out " + (tmp / "out") + " --seed 9";
  auto r = run_xinzhi(base + " --days 1 --machines 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("readings"), std::string::npos) << r.output;
  auto plant = nlohmann::json::parse(read_text(tmp / "out/plant.json"));
  EXPECT_EQ(plant["machines"].size(), 3u);
  EXPECT_EQ(plant["seed"], 9);
  EXPECT_EQ(plant["days"], 1);

  r = run_xinzhi(base);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  EXPECT_EQ(nlohmann::json::parse(read_text(tmp / "out/plant.json"))["machines"].size(), 3u) << "must be untouched";

  r = run_xinzhi(base + " --force");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(read_text(tmp / "out/plant.json"))["machines"].size(), 4u);
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_TRUE(e.path().filename() == "out" || e.path().filename() == "plant.yaml") << "left behind: " << e.path();
}

TEST(TwinCli, HelpDocumentsEveryOption) {
  const auto r = run_xinzhi("simulate --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* opt : {"--plant", "--out", "--days", "--seed", "--machines", "--force"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}

TEST(TwinCli, ExamplePlantParses) {
  const auto plant = xinzhi::twin::load_plant_config(source_dir() + "/examples/smart-factory/plant.yaml");
  EXPECT_EQ(plant.machines.size(), 20u);
  EXPECT_EQ(plant.days, 30);
  EXPECT_EQ(plant.gateways.size(), 3u);
}
