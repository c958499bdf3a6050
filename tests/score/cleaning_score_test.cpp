// The cleaning scored against a simulated plant's truth (src/score): every defect kind the twin
// injects is found with precision and recall near 1, and the rules' imputation beats linear.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "clean/rules.hpp"
#include "score/cleaning_score.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::clean;
using namespace xinzhi::score;

TEST(CleaningScore, EveryDefectKindFoundAgainstTheTwinsTruth) {
  xinzhi::testing::TempDir dir;
  const std::string plant = dir / "plant", db = dir / "w.db";
  const std::string root = xinzhi::testing::source_dir();
  auto r = xinzhi::testing::run_xinzhi("-q simulate --plant " + root + "/examples/smart-factory/plant.yaml --days 2 --machines 4 --seed 7 --out " + plant);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = xinzhi::testing::run_xinzhi("-q ingest " + plant + "/landing --db " + db + " --allow-quarantine");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Rules rules = load_rules(root + "/examples/smart-factory/clean.yaml");
  store::Warehouse wh(dir / "w.db");
  const TruthScore score = score_against_truth(wh, rules, plant, 1000);
  std::map<std::string, DefectScore> by_kind;
  for (const auto& d : score.defects) by_kind[d.kind] = d;
  // Every injected class, clock skew included (from the collector's arrival stamps).
  for (const std::string kind : {"clock_skew", "duplicate", "gap", "missing", "out_of_order", "spike", "stuck",
                                  "truncated_line", "unit_fahrenheit"}) {
    ASSERT_TRUE(by_kind.count(kind)) << kind;
    EXPECT_GT(by_kind[kind].truth, 0) << kind;
    EXPECT_GE(by_kind[kind].precision(), 0.99) << kind << "\n" << score.to_text();
    EXPECT_GE(by_kind[kind].recall(), 0.99) << kind << "\n" << score.to_text();
  }
  std::map<std::string, double> mae;
  std::set<std::string> sensors;
  for (const auto& m : score.imputation) mae[m.sensor + "/" + m.method] = m.mae, sensors.insert(m.sensor);
  ASSERT_FALSE(sensors.empty());
  // The rules' default method is at least as good as linear interpolation on every sensor.
  for (const auto& sensor : sensors) {
    const std::string def = to_string(rules.rule_for(sensor).impute);
    ASSERT_TRUE(mae.count(sensor + "/" + def) && mae.count(sensor + "/linear")) << sensor;
    EXPECT_LE(mae[sensor + "/" + def], mae[sensor + "/linear"] + 1e-9) << sensor << "\n" << score.to_text();
  }
}

