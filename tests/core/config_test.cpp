#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"

using namespace xinzhi;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(Config, ReadsTypedValuesAndDefaults) {
  auto c = ConfigNode::load_string("name: plant\nmachines: 4\nrate: 2.5\nlive: true\nsensors: [a, b]\n", "p.yaml");
  EXPECT_EQ(c.require<std::string>("name"), "plant");
  EXPECT_EQ(c.get<int>("machines", 1), 4);
  EXPECT_DOUBLE_EQ(c.get<double>("rate", 0), 2.5);
  EXPECT_TRUE(c.get<bool>("live", false));
  EXPECT_EQ(c.get<std::vector<std::string>>("sensors", {}).size(), 2u);
  EXPECT_EQ(c.get<int>("absent", 7), 7);
  c.finish();
}

TEST(Config, UnknownKeyNamesPathAndLine) {
  auto c = ConfigNode::load_string("plant:\n  name: x\n  speeed: 3\n", "p.yaml");
  auto plant = c.child("plant");
  plant.require<std::string>("name");
  const std::string msg = error_of([&] { plant.finish(); });
  EXPECT_NE(msg.find("p.yaml:3:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("plant.speeed"), std::string::npos) << msg;
}

TEST(Config, WrongTypeNamesKeyPathAndLine) {
  auto c = ConfigNode::load_string("machines:\n  - id: M1\n    rate: fast\n", "p.yaml");
  auto ms = c.sequence("machines");
  const std::string msg = error_of([&] { ms[0].require<double>("rate"); });
  EXPECT_NE(msg.find("p.yaml:3:11"), std::string::npos) << msg;
  EXPECT_NE(msg.find("machines[0].rate: expected a number, got 'fast'"), std::string::npos) << msg;
}

TEST(Config, MissingFileAndBadYaml) {
  EXPECT_NE(error_of([] { ConfigNode::load_file("/nonexistent/plant.yaml"); }).find("no such file"), std::string::npos);
  const std::string msg = error_of([] { ConfigNode::load_string("a: [1, 2\nb: 3\n", "bad.yaml"); });
  EXPECT_NE(msg.find("bad.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not valid YAML"), std::string::npos) << msg;
}

TEST(Config, MissingRequiredKey) {
  auto c = ConfigNode::load_string("a: 1\n", "p.yaml");
  EXPECT_NE(error_of([&] { c.require<int>("days"); }).find("missing required key 'days'"), std::string::npos);
}
