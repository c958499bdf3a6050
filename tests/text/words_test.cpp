// The words of a maintenance log as the tagger and the twin's BIO files see them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/data/words.hpp"

using xinzhi::text::log_words;

TEST(LogWords, EnglishTokensSplitWordsNumbersAndPunctuation) {
  const auto tokens = log_words("Vibration 7.2 mm/s at M03.", "en");
  std::vector<std::string> texts;
  for (const auto& t : tokens) texts.push_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"Vibration", "7.2", "mm", "/", "s", "at", "M03", "."}));
  EXPECT_EQ(tokens[1].start, 10);
  EXPECT_EQ(tokens[1].end, 13);
  const auto zh = log_words("振动 7.2", "zh");
  ASSERT_EQ(zh.size(), 5u);
  EXPECT_EQ(zh[0].text, "振");
  EXPECT_EQ(zh[2].start, 3);
}
