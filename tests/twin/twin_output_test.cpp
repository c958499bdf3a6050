// The twin's run folder: same seed gives the same bytes, the layout is complete, plant.json
// agrees with the files, orders reference real machines, wear shows before failures.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "twin/twin_layout.hpp"
#include "twin/twin_support.hpp"

namespace fs = std::filesystem;
using namespace xinzhi;
using namespace xinzhi::testing;
using namespace xinzhi::testing::plants;
namespace layout = xinzhi::twin::layout;

namespace {

std::map<std::string, std::string> all_files(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read_text(e.path().string());
  return out;
}

twin::SimulationSummary simulate(const std::string& yaml, const std::string& out, std::uint64_t seed) {
  twin::PlantConfig plant = twin::parse_plant_config(yaml, "test.yaml");
  twin::PlantOverrides ov;
  ov.seed = seed;
  twin::apply_overrides(plant, ov);
  return twin::simulate_plant(plant, out, false);
}

}  // namespace

TEST(TwinOutput, SameSeedGivesIdenticalBytesDifferentSeedDiffers) {
  TempDir tmp;
  const std::string yaml = small_plant_yaml(2);
  simulate(yaml, tmp / "a", 11);
  simulate(yaml, tmp / "b", 11);
  simulate(yaml, tmp / "c", 12);
  const auto a = all_files(tmp.path() / "a"), b = all_files(tmp.path() / "b"), c = all_files(tmp.path() / "c");
  ASSERT_GE(a.size(), 15u);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, content] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_TRUE(content == b.at(name)) << name << " differs between two runs with the same seed";
  }
  for (const std::string name : {"truth/signals.csv", "landing/gw-a.csv", "landing/gw-b.jsonl",
                                 "records/maintenance.jsonl", "orders.jsonl", "truth/defects.csv"}) {
    ASSERT_TRUE(c.count(name)) << name;
    EXPECT_NE(a.at(name), c.at(name)) << name << " is the same for seeds 11 and 12";
  }
}

TEST(TwinOutput, LayoutAndPlantJsonAgreeWithTheFiles) {
  TempDir tmp;
  const auto s = simulate(small_plant_yaml(), tmp / "run", 3);
  const fs::path run = tmp.path() / "run";
  for (auto name : {layout::kPlantJson, layout::kOrdersJsonl, layout::kMaintenanceJsonl, layout::kTruthSignals,
                    layout::kTruthDefects, layout::kTruthFailures, layout::kCalendarMaintenance})
    EXPECT_TRUE(fs::exists(run / name)) << name;
  for (auto split : layout::kSplits)
    for (auto lang : layout::kLanguages)
      EXPECT_TRUE(fs::exists(run / layout::kRecordsDir / (std::string(split) + "." + std::string(lang) + ".bio")));
  // No temporary folder is left next to the result.
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_EQ(e.path().filename().string(), "run") << "left behind: " << e.path();

  const auto j = nlohmann::json::parse(read_text((run / layout::kPlantJson).string()));
  EXPECT_EQ(j["name"], "test plant");
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["start"], "2026-03-02T00:00:00.000Z");
  EXPECT_EQ(j["days"], 3);
  ASSERT_EQ(j["machines"].size(), 4u);
  EXPECT_EQ(j["machines"][0]["id"], "M01");
  EXPECT_EQ(j["machines"][0]["sensors"].size(), 6u);
  EXPECT_EQ(j["machines"][0]["sensors"][0]["name"], "temperature");
  EXPECT_EQ(j["machines"][0]["sensors"][0]["rate_s"], 60);
  ASSERT_EQ(j["gateways"].size(), 2u);
  EXPECT_EQ(j["gateways"][1]["format"], "jsonl");
  EXPECT_EQ(j["gateways"][1]["machines"], nlohmann::json::array({"M03", "M04"}));

  // Counts: readings = rows of truth/signals.csv; 4 machines x 3 days x (1440+288+1440+2880+2880+1440) samples.
  const auto signals = read_rows((run / layout::kTruthSignals).string());
  EXPECT_EQ(signals.size(), 4u * 3 * (1440 + 288 + 1440 + 2880 + 2880 + 1440));
  EXPECT_EQ(j["counts"]["readings"].get<std::uint64_t>(), signals.size());
  EXPECT_EQ(s.readings, signals.size());
  std::uint64_t landing = 0;
  for (const auto& g : j["gateways"]) {
    const auto rows = read_rows((run / g["file"].get<std::string>()).string());
    const bool cut = g["truncate_last_line"].get<bool>();
    EXPECT_EQ(rows.size() + (cut ? 1 : 0), g["rows"].get<std::uint64_t>()) << g["id"];
    landing += g["rows"].get<std::uint64_t>();
  }
  EXPECT_EQ(j["counts"]["landing_rows"].get<std::uint64_t>(), landing);
  // Truth signals are in time order and every value is a finite number.
  for (std::size_t i = 1; i < signals.size(); ++i) ASSERT_LE(signals[i - 1].ts, signals[i].ts);
  const auto failures = read_csv_maps((run / layout::kTruthFailures).string());
  EXPECT_EQ(j["counts"]["failures"].get<std::size_t>(), failures.size());
}

TEST(TwinOutput, WearRaisesVibrationBeforeFailures) {
  TempDir tmp;
  simulate(small_plant_yaml(5), tmp / "run", 21);
  const fs::path run = tmp.path() / "run";
  const auto failures = read_csv_maps((run / layout::kTruthFailures).string());
  ASSERT_GE(failures.size(), 3u) << "the test plant should break down a few times";
  std::map<std::string, std::vector<std::pair<TimestampMs, double>>> vib, temp;
  double all_vib = 0, all_temp = 0;
  std::size_t n_vib = 0, n_temp = 0;
  for (const Row& r : read_rows((run / layout::kTruthSignals).string())) {
    if (r.sensor == "vibration") vib[r.machine].push_back({r.ts, *r.value}), all_vib += *r.value, ++n_vib;
    if (r.sensor == "temperature") temp[r.machine].push_back({r.ts, *r.value}), all_temp += *r.value, ++n_temp;
  }
  double before_vib = 0, before_temp = 0;
  std::size_t nb_vib = 0, nb_temp = 0;
  for (const auto& f : failures) {
    const TimestampMs t = *parse_iso8601(f.at("start"));
    for (const auto& [ts, v] : vib[f.at("machine")])
      if (ts >= t - 86'400'000 && ts < t) before_vib += v, ++nb_vib;
    for (const auto& [ts, v] : temp[f.at("machine")])
      if (ts >= t - 86'400'000 && ts < t) before_temp += v, ++nb_temp;
  }
  ASSERT_GT(nb_vib, 0u);
  EXPECT_GT(before_vib / nb_vib, 1.2 * all_vib / n_vib) << "vibration in the 24 h before failures";
  EXPECT_GT(before_temp / nb_temp, all_temp / n_temp) << "temperature in the 24 h before failures";

  // Machines are down (no spindle speed) between a failure and the end of its repair.
  for (const auto& f : failures) {
    const TimestampMs a = *parse_iso8601(f.at("start")), b = *parse_iso8601(f.at("end"));
    EXPECT_GT(b, a);
  }
}

TEST(TwinOutput, OrdersReferenceExistingMachines) {
  TempDir tmp;
  simulate(small_plant_yaml(), tmp / "run", 4);
  const fs::path run = tmp.path() / "run";
  const auto plant = nlohmann::json::parse(read_text((run / layout::kPlantJson).string()));
  std::set<std::string> machines;
  for (const auto& m : plant["machines"]) machines.insert(m["id"].get<std::string>());
  const auto lines = lines_of(read_text((run / layout::kOrdersJsonl).string()));
  ASSERT_EQ(lines.size(), 30u);
  int alternatives = 0;
  std::set<std::string> ids;
  for (const auto& line : lines) {
    const auto o = nlohmann::json::parse(line);
    EXPECT_TRUE(ids.insert(o["order_id"].get<std::string>()).second);
    const TimestampMs release = *parse_iso8601(o["release"].get<std::string>());
    const TimestampMs due = *parse_iso8601(o["due"].get<std::string>());
    EXPECT_LT(release, due);
    EXPECT_GE(o["quantity"].get<int>(), 1);
    EXPECT_GE(o["weight"].get<int>(), 1);
    ASSERT_GE(o["operations"].size(), 1u);
    for (const auto& op : o["operations"]) {
      ASSERT_GE(op.size(), 1u);
      ASSERT_LE(op.size(), 3u);
      if (op.size() >= 2) ++alternatives;
      for (const auto& alt : op) {
        EXPECT_TRUE(machines.count(alt["machine"].get<std::string>())) << alt;
        EXPECT_GT(alt["minutes"].get<double>(), 0);
      }
    }
  }
  EXPECT_GT(alternatives, 0) << "some operations should have 2-3 eligible machines";
}

// A warm-up: the machines ran 20 days before the first day. Nothing of those days is written as
// readings, logs or true failures (but a failure still under repair at the start), while the
// maintenance calendar holds its services (a plant knows when a machine was last serviced).
TEST(TwinOutput, AWarmUpLeavesThePastInTheLogsOnly) {
  TempDir tmp;
  std::string yaml = small_plant_yaml(3);
  yaml.replace(yaml.find("seed: 5\n"), 8, "seed: 5\nwarmup_days: 20\n");
  const auto summary = simulate(yaml, tmp / "run", 21);
  const fs::path run = tmp.path() / "run";
  const TimestampMs start = *parse_iso8601("2026-03-02T00:00:00Z");
  const auto failures = read_csv_maps((run / layout::kTruthFailures).string());
  EXPECT_EQ(summary.failures, failures.size());
  for (const auto& f : failures) EXPECT_GT(*parse_iso8601(f.at("end")), start) << f.at("end");
  std::size_t past_windows = 0;
  for (const auto& w : read_csv_maps((run / layout::kCalendarMaintenance).string()))
    past_windows += *parse_iso8601(w.at("start")) < start;
  EXPECT_GT(past_windows, 0u) << "the calendar should list the warm-up's maintenance";
  std::size_t past_records = 0;
  std::istringstream records(read_text((run / "records" / "maintenance.jsonl").string()));
  for (std::string line; std::getline(records, line);)
    if (!line.empty()) past_records += *parse_iso8601(nlohmann::json::parse(line).at("ts").get<std::string>()) < start;
  EXPECT_EQ(past_records, 0u) << "the logs start with the first day";
  const auto signals = read_rows((run / layout::kTruthSignals).string());
  ASSERT_FALSE(signals.empty());
  EXPECT_GE(signals.front().ts, start);
}
