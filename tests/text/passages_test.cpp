// Document context and word shapes: passages join a document's sentences within the window and
// split back exactly; word shapes reach the token type ids piece by piece.
#include <gtest/gtest.h>

#include "text/data/examples.hpp"
#include "text/data/passages.hpp"
#include "text/data/word_shape.hpp"

using namespace xinzhi::text;

namespace {
BertTokenizer tokenizer() {
  return BertTokenizer(Vocab::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "w", "##x", "W", "1"}),
                       {false, false, true, 100});
}
TaggedSentence sentence(int words, int document, const std::string& tag = "O") {
  TaggedSentence s;
  for (int i = 0; i < words; ++i) s.words.push_back("w"), s.tags.push_back(tag);
  s.document = document;
  return s;
}
}  // namespace

TEST(WordShape, ClassesWords) {
  EXPECT_EQ(word_shape("engine"), kShapeLower);
  EXPECT_EQ(word_shape("Berlin"), kShapeCapitalised);
  EXPECT_EQ(word_shape("NATO"), kShapeAllCaps);
  EXPECT_EQ(word_shape("A"), kShapeInitial);
  EXPECT_EQ(word_shape("J."), kShapeInitial);
  EXPECT_EQ(word_shape("iPhone"), kShapeMixed);
  EXPECT_EQ(word_shape("McDonald"), kShapeMixed);
  EXPECT_EQ(word_shape("1996"), kShapeNumeric);
  EXPECT_EQ(word_shape("3-1"), kShapeNumeric);
  EXPECT_EQ(word_shape("(--)"), kShapePunct);
  EXPECT_EQ(word_shape("Ärger"), kShapeCapitalised);
  EXPECT_EQ(word_shape("轴承"), kShapeUncased);
}

TEST(Passages, JoinWithinADocumentAndSplitBack) {
  auto tok = tokenizer();
  // document 0: 4 + 4 + 4 words; document 1: 3 + 9 words; then two sentences without a document
  std::vector<TaggedSentence> sents = {sentence(4, 0, "B-X"), sentence(4, 0), sentence(4, 0), sentence(3, 1),
                                       sentence(9, 1),        sentence(2, -1), sentence(2, -1)};
  auto p = join_documents(tok, sents, 10);
  ASSERT_EQ(p.passages.size(), 6u);
  EXPECT_EQ(p.count, (std::vector<size_t>{2, 1, 1, 1, 1, 1}));  // 4+4 fit in 10; 3+9 do not; no document: alone
  EXPECT_EQ(p.passages[0].words.size(), 8u);
  EXPECT_EQ(p.passages[0].tags[0], "B-X");
  EXPECT_EQ(p.passages[0].tags[4], "O");
  std::vector<std::vector<std::string>> tags;
  for (auto& q : p.passages) tags.push_back(q.tags);
  auto back = split_passages(p, sents, tags);
  ASSERT_EQ(back.size(), sents.size());
  for (size_t s = 0; s < sents.size(); ++s) EXPECT_EQ(back[s], sents[s].tags) << s;
}

TEST(Passages, WordShapesBecomeTokenTypes) {
  auto tok = tokenizer();
  TaggedSentence s;
  s.words = {"W", "wx", "1"};
  s.tags = {"O", "O", "O"};
  Labels labels;
  labels.add("O");
  auto ex = encode_tagged(tok, {s}, labels, 16, false, 4, false, true);
  ASSERT_EQ(ex.size(), 1u);
  ASSERT_EQ(ex[0].types.size(), ex[0].ids.size());  // [CLS] W w ##x 1 [SEP]
  EXPECT_EQ(ex[0].types, (std::vector<int32_t>{kShapeNone, kShapeInitial, kShapeLower, kShapeLower, kShapeNumeric, kShapeNone}));
  auto b = make_batch(ex, 0, 1, Task::token_classification, 1, 0);
  ASSERT_EQ(b.types.size(), b.ids.size());
  EXPECT_EQ(b.types[1], kShapeInitial);
  // without word shapes the batch carries no types (the model uses type 0)
  auto plain = encode_tagged(tok, {s}, labels, 16, false, 4);
  EXPECT_TRUE(make_batch(plain, 0, 1, Task::token_classification, 1, 0).types.empty());
}
