// Reports: the token-level layout of the issue, entity extraction in default and strict mode,
// tag scheme conversion, regression scores.
#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include "text/data/data_files.hpp"
#include "text/evaluate/metrics.hpp"

using namespace xinzhi::text;

TEST(Metrics, TokenReportLayout) {
  std::vector<std::string> gold = {"B-LOC", "I-LOC", "O", "O", "B-PER", "O", "B-LOC", "O"};
  std::vector<std::string> pred = {"B-LOC", "O", "O", "O", "B-PER", "B-PER", "B-LOC", "O"};
  auto r = label_report(gold, pred);
  const std::string expect =
      "              precision    recall  f1-score   support\n"
      "       B-LOC      1.000     1.000     1.000         2\n"
      "       I-LOC      0.000     0.000     0.000         1\n"
      "       B-PER      0.500     1.000     0.667         1\n"
      "           O      0.750     0.750     0.750         4\n"
      "   micro avg      0.750     0.750     0.750         8\n"
      "   macro avg      0.562     0.688     0.604         8\n"
      "weighted avg      0.688     0.750     0.708         8\n";
  EXPECT_EQ(r.text(), expect);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.75);
}

TEST(Metrics, EntitiesDefaultAndStrict) {
  // I-PER after O: conlleval starts an entity, strict IOB2 does not.
  std::vector<std::string> tags = {"O", "I-PER", "I-PER", "B-LOC", "I-ORG", "O"};
  auto lenient = extract_entities(tags, false), strict = extract_entities(tags, true);
  ASSERT_EQ(lenient.size(), 3u);
  EXPECT_EQ(lenient[0], (Entity{"PER", 1, 3}));
  EXPECT_EQ(lenient[1], (Entity{"LOC", 3, 4}));
  EXPECT_EQ(lenient[2], (Entity{"ORG", 4, 5}));
  ASSERT_EQ(strict.size(), 1u);
  EXPECT_EQ(strict[0], (Entity{"LOC", 3, 4}));
  auto rep = entity_report({{"B-PER", "I-PER", "O", "B-LOC"}}, {{"B-PER", "I-PER", "O", "B-ORG"}}, false);
  EXPECT_DOUBLE_EQ(rep.micro.precision, 0.5);
  EXPECT_DOUBLE_EQ(rep.micro.recall, 0.5);
}

TEST(Data, TagSchemesBecomeIob2) {
  std::vector<std::string> iob1 = {"I-ORG", "I-ORG", "O", "I-PER", "B-PER", "I-LOC"};
  to_iob2(iob1);
  EXPECT_EQ(iob1, (std::vector<std::string>{"B-ORG", "I-ORG", "O", "B-PER", "B-PER", "B-LOC"}));
  std::vector<std::string> bmes = {"B-NAME", "M-NAME", "E-NAME", "S-ORG", "O"};
  to_iob2(bmes);
  EXPECT_EQ(bmes, (std::vector<std::string>{"B-NAME", "I-NAME", "I-NAME", "B-ORG", "O"}));
}

TEST(Metrics, Regression) {
  auto r = regression_report({1, 2, 3, 4}, {1, 2, 3, 5});
  EXPECT_DOUBLE_EQ(r.mae, 0.25);
  EXPECT_DOUBLE_EQ(r.rmse, 0.5);
  EXPECT_DOUBLE_EQ(r.r2, 1 - 1.0 / 5.0);
}

TEST(Data, Conll2003TestSupportMatchesTheReference) {
  // The support column of the report: our reader (IOB1 -> IOB2, -DOCSTART-) must see
  // exactly these gold tags in CoNLL-2003 test.
  XINZHI_REQUIRE_DATA(dir, "conll2003");
  auto sents = read_tagged(dir + "/test.txt");
  std::vector<std::string> gold;
  for (auto& s : sents) gold.insert(gold.end(), s.tags.begin(), s.tags.end());
  auto r = label_report(gold, gold);
  std::vector<std::pair<std::string, long>> support;
  for (auto& c : r.classes) support.emplace_back(c.name, c.support);
  EXPECT_EQ(support, (std::vector<std::pair<std::string, long>>{{"B-LOC", 1668}, {"I-LOC", 257}, {"B-MISC", 702},
                                                                {"I-MISC", 216}, {"B-ORG", 1661}, {"I-ORG", 835},
                                                                {"B-PER", 1617}, {"I-PER", 1156}, {"O", 38323}}));
  EXPECT_EQ(r.micro.support, 46435);
}
