// Rules files: the example parses; a wrong key or value is one clear message naming the key and
// its place, and `xinzhi clean` exits with 2.
#include <gtest/gtest.h>

#include "clean/rules.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::clean;

namespace {
std::string error_of(const std::string& yaml) {
  try {
    parse_rules(ConfigNode::load_string(yaml, "rules.yaml"));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(Rules, ExampleFileParses) {
  const Rules r = load_rules(xinzhi::testing::source_dir() + "/examples/smart-factory/clean.yaml");
  const SensorRule& t = r.rule_for("temperature");
  EXPECT_EQ(t.unit, "C");
  ASSERT_TRUE(t.min && t.max);
  EXPECT_EQ(*t.min, -40);
  EXPECT_EQ(*t.max, 200);
  EXPECT_EQ(t.max_gap_ms, 600000);           // inherited from defaults
  EXPECT_EQ(t.impute, ImputeMethod::time_linear);
  EXPECT_EQ(r.rule_for("vibration").standardise, Standardise::robust);
  EXPECT_EQ(r.rule_for("unknown_sensor").interval_ms, 0);  // auto
  EXPECT_EQ(r.align_ms, 60000);
  EXPECT_EQ(r.metrics_window_ms, 3600000);
}

TEST(Rules, Durations) {
  std::int64_t ms = 0;
  EXPECT_TRUE(parse_duration("250ms", ms));
  EXPECT_EQ(ms, 250);
  EXPECT_TRUE(parse_duration("1.5s", ms));
  EXPECT_EQ(ms, 1500);
  EXPECT_TRUE(parse_duration("10m", ms));
  EXPECT_EQ(ms, 600000);
  EXPECT_TRUE(parse_duration("2d", ms));
  EXPECT_EQ(ms, 172800000);
  EXPECT_FALSE(parse_duration("10 minutes", ms));
  EXPECT_FALSE(parse_duration("-5s", ms));
}

TEST(Rules, BadKeysAndValuesNameThePlace) {
  std::string e = error_of("sensors:\n  temperature:\n    rnage: [0, 1]\n");
  EXPECT_NE(e.find("rules.yaml:3:5"), std::string::npos) << e;
  EXPECT_NE(e.find("sensors.temperature.rnage"), std::string::npos) << e;
  e = error_of("defaults:\n  max_gap: soon\n");
  EXPECT_NE(e.find("rules.yaml:2:"), std::string::npos) << e;
  EXPECT_NE(e.find("defaults.max_gap"), std::string::npos) << e;
  e = error_of("defaults:\n  impute: spline\n");
  EXPECT_NE(e.find("defaults.impute"), std::string::npos) << e;
  EXPECT_NE(e.find("correlated"), std::string::npos) << e;
  e = error_of("sensors:\n  t:\n    range: [5, 1]\n");
  EXPECT_NE(e.find("sensors.t.range"), std::string::npos) << e;
  e = error_of("align:\n  grid: 1m\n  agg: median\n");
  EXPECT_NE(e.find("align.agg"), std::string::npos) << e;
  e = error_of("defaults:\n  outliers:\n    hampel_windw: 3\n");
  EXPECT_NE(e.find("defaults.outliers.hampel_windw"), std::string::npos) << e;
  e = error_of("metric:\n  window: 1h\n");
  EXPECT_NE(e.find("metric"), std::string::npos) << e;
}

TEST(Rules, CliExitsTwoNamingTheKey) {
  xinzhi::testing::TempDir dir;
  xinzhi::testing::write_text(dir / "rules.yaml", "defaults:\n  impute: linear\nsensors:\n  temperature:\n    unti: C\n");
  const auto r = xinzhi::testing::run_xinzhi("clean --db " + dir / "none.db" + " --rules " + dir / "rules.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("rules.yaml:5:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sensors.temperature.unti"), std::string::npos) << r.output;
  // One line of error.
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}
