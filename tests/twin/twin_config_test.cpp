// Plant YAML: defaults for a short file, strict checking, and the command-line overrides.
#include <gtest/gtest.h>

#include "twin/plant_config.hpp"
#include "core/error.hpp"

using namespace xinzhi;
using namespace xinzhi::twin;

TEST(TwinConfig, EmptyFileGivesTheDefaultPlant) {
  const PlantConfig p = parse_plant_config("{}", "p.yaml");
  EXPECT_EQ(p.machines.size(), 20u);
  EXPECT_EQ(p.gateways.size(), 3u);
  EXPECT_EQ(p.machines.front().id, "M01");
  EXPECT_EQ(p.machines.back().id, "M20");
  EXPECT_EQ(p.types[0].sensors.size(), 6u);
  EXPECT_EQ(p.start, *parse_iso8601("2026-01-05"));
  // Machines without a named gateway are spread in contiguous blocks over all gateways.
  EXPECT_EQ(p.machines.front().gateway, 0);
  EXPECT_EQ(p.machines.back().gateway, 2);
  for (std::size_t i = 1; i < p.machines.size(); ++i) EXPECT_GE(p.machines[i].gateway, p.machines[i - 1].gateway);
}

TEST(TwinConfig, SensorsAndRatesPerType) {
  const PlantConfig p = parse_plant_config(
      "machine_types:\n  oven:\n    sensors: {temperature: 10, power: 5}\nmachines:\n  - {type: oven, count: 3}\n", "p.yaml");
  ASSERT_EQ(p.types.size(), 1u);
  ASSERT_EQ(p.types[0].sensors.size(), 2u);
  EXPECT_EQ(p.types[0].sensors[0].kind, SensorKind::temperature);
  EXPECT_EQ(p.types[0].sensors[0].rate_s, 10);
  EXPECT_EQ(p.types[0].sensors[1].kind, SensorKind::power);
  EXPECT_EQ(p.machines.size(), 3u);
}

TEST(TwinConfig, BadValuesNameTheirPlace) {
  auto message = [](const std::string& yaml) {
    try {
      parse_plant_config(yaml, "p.yaml");
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("machine_types:\n  oven:\n    sensors: {smell: 10}\n").find("p.yaml:3:22"), std::string::npos);
  EXPECT_NE(message("defects: {missing: 2}\n").find("defects.missing"), std::string::npos);
  EXPECT_NE(message("gateways:\n  - {id: a, format: xml}\n").find("gateways[0].format"), std::string::npos);
  EXPECT_NE(message("gateways:\n  - {id: a}\n  - {id: a}\n").find("listed twice"), std::string::npos);
  EXPECT_NE(message("machines:\n  - {type: cnc_mill, gateway: nowhere}\n").find("unknown gateway 'nowhere'"),
            std::string::npos);
  EXPECT_NE(message("days: 0\n").find("days"), std::string::npos);
  EXPECT_NE(message("start: yesterday\n").find("p.yaml:1:8"), std::string::npos);
  EXPECT_NE(message("orders: {count: 5, colour: red}\n").find("unknown key 'orders.colour'"), std::string::npos);
}

TEST(TwinConfig, MachinesOverrideKeepsTheMixOfGroups) {
  PlantConfig p = parse_plant_config(
      "gateways:\n  - {id: a}\n  - {id: b}\n"
      "machines:\n  - {type: cnc_mill, count: 6, gateway: a}\n  - {type: press, count: 2, gateway: b}\n",
      "p.yaml");
  PlantOverrides ov;
  ov.machines = 4;
  ov.days = 2;
  ov.seed = 77;
  apply_overrides(p, ov);
  ASSERT_EQ(p.machines.size(), 4u);
  EXPECT_EQ(p.days, 2);
  EXPECT_EQ(p.seed, 77u);
  int mills = 0, presses = 0;
  for (const auto& m : p.machines) {
    const std::string& type = p.types[m.type].name;
    mills += type == "cnc_mill";
    presses += type == "press";
    EXPECT_EQ(m.gateway, type == "cnc_mill" ? 0 : 1);
  }
  EXPECT_EQ(mills, 3);
  EXPECT_EQ(presses, 1);
  ov = {};
  ov.machines = 0;
  EXPECT_THROW(apply_overrides(p, ov), Error);
}
