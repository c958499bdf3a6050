// Examples for the model: sliding windows over long sentences decide every word exactly once,
// length bucketing, seeded shuffling and masking.
#include <map>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "text/data/examples.hpp"

using namespace xinzhi::text;

namespace {
BertTokenizer tokenizer() {
  return BertTokenizer(Vocab::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "w", "##x", "o"}),
                       {false, false, true, 100});
}
}  // namespace

TEST(Examples, SlidingWindowsDecideEveryWordOnce) {
  auto tok = tokenizer();
  TaggedSentence s;
  for (int i = 0; i < 40; ++i) {
    s.words.push_back(i % 3 ? "w" : "wx");  // 1 or 2 pieces
    s.tags.push_back("O");
  }
  Labels labels;
  labels.add("O");
  auto ex = encode_tagged(tok, {s}, labels, 12, true, 4);
  ASSERT_GT(ex.size(), 3u);
  std::map<int, int> decided;
  for (auto& e : ex) {
    EXPECT_LE(e.ids.size(), 12u);
    EXPECT_EQ(e.ids.front(), 2);
    EXPECT_EQ(e.ids.back(), 3);
    for (size_t w = 0; w < e.word_index.size(); ++w) {
      EXPECT_EQ(e.ids[static_cast<size_t>(e.word_pos[w])], 5);  // the word's first piece
      if (e.scored[w]) ++decided[e.word_index[w]];
    }
  }
  ASSERT_EQ(decided.size(), 40u);
  for (auto& [w, n] : decided) EXPECT_EQ(n, 1) << "word " << w;
  // training: one truncated example
  auto train = encode_tagged(tok, {s}, labels, 12, false, 4);
  EXPECT_EQ(train.size(), 1u);
}

TEST(Examples, UnseenLabelIsAnInputError) {
  auto tok = tokenizer();
  Labels labels;
  labels.add("O");
  TaggedSentence s{{"w"}, {"B-ORG"}, "test.txt:3"};
  try {
    encode_tagged(tok, {s}, labels, 16, true, 4);
    FAIL();
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("test.txt:3"), std::string::npos);
  }
}

TEST(Examples, BucketedBatchesAreSeededAndPadLittle) {
  std::vector<Example> ex;
  for (int i = 0; i < 200; ++i) {
    Example e;
    e.ids.assign(static_cast<size_t>(3 + (i * 7919) % 40), 5);
    e.label = 0;
    ex.push_back(e);
  }
  BatchOptions o;
  o.batch_size = 10;
  o.seed = 3;
  auto a = make_batches(ex, Task::sequence_classification, 1, o, 0);
  auto b = make_batches(ex, Task::sequence_classification, 1, o, 0);
  auto c = make_batches(ex, Task::sequence_classification, 1, o, 1);
  ASSERT_EQ(a.size(), 20u);
  EXPECT_EQ(a[0].ids, b[0].ids);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) differs |= a[i].length != c[i].length;
  EXPECT_TRUE(differs) << "another epoch should shuffle differently";
  long real = 0, padded = 0;
  for (auto& x : a) real += x.tokens(), padded += x.size * x.length;
  EXPECT_GT(static_cast<double>(real) / static_cast<double>(padded), 0.9);
  o.bucket = false;
  long padded_plain = 0;
  for (auto& x : make_batches(ex, Task::sequence_classification, 1, o, 0)) padded_plain += x.size * x.length;
  EXPECT_LT(padded, padded_plain);
}

TEST(Examples, LabelAllPiecesForTraining) {
  auto tok = tokenizer();
  Labels labels;
  labels.add("B-X");
  labels.add("I-X");
  labels.add("O");
  TaggedSentence s{{"wx", "w"}, {"B-X", "O"}, "t:1"};
  auto first = encode_tagged(tok, {s}, labels, 16, false, 4);
  EXPECT_EQ(first[0].word_labels, (std::vector<int32_t>{0, 2}));
  auto all = encode_tagged(tok, {s}, labels, 16, false, 4, true);
  EXPECT_EQ(all[0].word_pos, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(all[0].word_labels, (std::vector<int32_t>{0, 1, 2}));  // "##x" continues the entity
  EXPECT_EQ(all[0].scored, (std::vector<uint8_t>{1, 0, 1}));
}
