// Technician logs: valid entity spans (code point offsets), held-out templates for the test
// split, BIO files that parse and agree with the JSON Lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "twin/text_records.hpp"
#include "twin/twin_layout.hpp"
#include "twin/twin_support.hpp"

namespace fs = std::filesystem;
using namespace xinzhi;
using namespace xinzhi::testing;
using namespace xinzhi::testing::plants;
namespace layout = xinzhi::twin::layout;

namespace {

std::u32string to_u32(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t v = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (std::size_t k = 1; k < len; ++k) v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out += v;
    i += len;
  }
  return out;
}

struct Records {
  TempDir tmp;
  fs::path run;
  std::vector<nlohmann::json> rows;
  Records() {
    run = tmp.path() / "run";
    std::string yaml = small_plant_yaml(6);
    yaml.replace(yaml.find("records: {count: 400}"), 21, "records: {count: 1200, test_share: 0.2}");
    twin::simulate_plant(twin::parse_plant_config(yaml, "t.yaml"), run.string(), false);
    for (const auto& line : lines_of(read_text((run / layout::kMaintenanceJsonl).string())))
      rows.push_back(nlohmann::json::parse(line));
  }
};

const Records& records() {
  static Records r;
  return r;
}

}  // namespace

TEST(TwinRecords, EntitySpansAreValid) {
  const auto& r = records();
  ASSERT_EQ(r.rows.size(), 1200u);
  std::set<std::string> langs, labels, kinds, types;
  for (const auto& row : r.rows) {
    const std::u32string text = to_u32(row["text"].get<std::string>());
    langs.insert(row["lang"].get<std::string>());
    labels.insert(row["label"].get<std::string>());
    kinds.insert(row["kind"].get<std::string>());
    ASSERT_FALSE(row["entities"].empty()) << row;
    int prev_end = 0;
    for (const auto& e : row["entities"]) {
      const int a = e[0], b = e[1];
      const std::string type = e[2];
      types.insert(type);
      EXPECT_LT(a, b) << row;
      EXPECT_GE(a, prev_end) << "overlapping or unsorted spans: " << row;
      EXPECT_LE(b, static_cast<int>(text.size())) << row;
      const std::u32string span = text.substr(a, b - a);
      EXPECT_NE(span.front(), U' ') << row;
      EXPECT_NE(span.back(), U' ') << row;
      prev_end = b;
    }
    if (row.contains("value")) {
      // The quoted number is inside the MEASUREMENT span.
      bool found = false;
      for (const auto& e : row["entities"])
        if (e[2] == "MEASUREMENT") found = true;
      EXPECT_TRUE(found) << row;
    }
  }
  EXPECT_EQ(langs, (std::set<std::string>{"en", "zh"}));
  EXPECT_EQ(types, (std::set<std::string>(layout::kEntityTypes.begin(), layout::kEntityTypes.end())));
  EXPECT_GE(labels.size(), 4u) << "normal plus several fault categories";
  EXPECT_TRUE(labels.count("normal"));
  EXPECT_EQ(kinds, (std::set<std::string>{"fault", "repair", "maintenance", "inspection"}));
}

TEST(TwinRecords, TestSplitUsesTemplatesTrainNeverSees) {
  const auto& r = records();
  std::map<std::string, std::set<std::string>> templates;
  std::map<std::string, int> per_split;
  for (const auto& row : r.rows) {
    templates[row["split"].get<std::string>()].insert(row["template"].get<std::string>());
    ++per_split[row["split"].get<std::string>()];
  }
  ASSERT_GT(per_split["train"], 600);
  ASSERT_GT(per_split["dev"], 40);
  ASSERT_GT(per_split["test"], 150);
  for (const auto& t : templates["test"]) {
    EXPECT_FALSE(templates["train"].count(t)) << t << " is in both train and test";
    EXPECT_FALSE(templates["dev"].count(t)) << t << " is in both dev and test";
  }
  // And the test sentences really read differently: strip the slot fills and compare skeletons.
  auto skeleton = [](const nlohmann::json& row) {
    const std::u32string text = to_u32(row["text"].get<std::string>());
    std::u32string out;
    std::size_t pos = 0;
    for (const auto& e : row["entities"]) {
      out += text.substr(pos, e[0].get<std::size_t>() - pos) + U"#";
      pos = e[1];
    }
    return out + text.substr(pos);
  };
  std::set<std::u32string> train_skeletons;
  for (const auto& row : r.rows)
    if (row["split"] == "train") train_skeletons.insert(skeleton(row));
  std::size_t same = 0, test = 0;
  for (const auto& row : r.rows)
    if (row["split"] == "test") ++test, same += train_skeletons.count(skeleton(row));
  EXPECT_LT(same, test / 10) << "test sentences share their wording with train";
}

TEST(TwinRecords, BioFilesParseAndAgreeWithTheRecords) {
  const auto& r = records();
  const std::set<std::string> types(layout::kEntityTypes.begin(), layout::kEntityTypes.end());
  for (auto split : layout::kSplits)
    for (auto lang : layout::kLanguages) {
      const std::string name = std::string(split) + "." + std::string(lang) + ".bio";
      std::vector<nlohmann::json> expected;
      for (const auto& row : r.rows)
        if (row["split"] == split && row["lang"] == lang) expected.push_back(row);
      const auto lines = lines_of(read_text((r.run / layout::kRecordsDir / name).string()));
      std::size_t rec = 0;
      std::string joined, prev_tag = "O";
      int entities = 0;
      auto close_record = [&] {
        ASSERT_LT(rec, expected.size()) << name;
        std::string text = expected[rec]["text"];
        std::string no_space;
        for (char c : text)
          if (c != ' ') no_space += c;
        EXPECT_EQ(joined, no_space) << name << " record " << rec;
        EXPECT_EQ(entities, static_cast<int>(expected[rec]["entities"].size())) << name << ": " << text;
        ++rec, joined.clear(), prev_tag = "O", entities = 0;
      };
      for (const auto& line : lines) {
        if (line.empty()) {
          close_record();
          continue;
        }
        const auto sp = line.rfind(' ');
        ASSERT_NE(sp, std::string::npos) << name << ": " << line;
        const std::string token = line.substr(0, sp), tag = line.substr(sp + 1);
        ASSERT_FALSE(token.empty());
        if (lang == "zh") {
          EXPECT_EQ(to_u32(token).size(), 1u) << "zh files have one character per line: " << token;
        }
        if (tag != "O") {
          ASSERT_TRUE(tag.rfind("B-", 0) == 0 || tag.rfind("I-", 0) == 0) << tag;
          ASSERT_TRUE(types.count(tag.substr(2))) << tag;
          if (tag[0] == 'I') {
            EXPECT_EQ(prev_tag.substr(2), tag.substr(2)) << name << ": I- without B-: " << line;
          }
          if (tag[0] == 'B') ++entities;
        }
        joined += token;
        prev_tag = tag;
      }
      EXPECT_EQ(rec, expected.size()) << name;
    }
}
