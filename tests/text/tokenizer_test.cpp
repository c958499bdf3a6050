// The BERT tokenizer against the reference golden files, and its offsets, word ids, special
// tokens and bad input.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "support/test_support.hpp"
#include "text/tokenize/tokenizer.hpp"
#include "text/tokenize/vocab_builder.hpp"

using namespace xinzhi::text;
using xinzhi::valid_utf8;
using xinzhi::testing::TempDir;

namespace {

void check_golden(const std::string& dir, const std::string& kind, bool lowercase) {
  BertTokenizer tok(Vocab::load(dir + "/vocab-" + kind + ".txt"), {lowercase, lowercase, true, 100});
  std::ifstream in(dir + "/golden-" + kind + ".jsonl");
  ASSERT_TRUE(in) << "cannot open golden-" << kind;
  std::string line;
  size_t n = 0, agree = 0;
  while (std::getline(in, line)) {
    ++n;
    auto j = nlohmann::json::parse(line);
    const std::string text = j["text"];
    std::vector<std::string> basic;
    for (auto& b : tok.basic_tokenize(text)) basic.push_back(b.text);
    auto enc = tok.encode(text, false);
    auto tokens = tok.tokens(enc.ids);
    bool ok = basic == j["basic_tokens"].get<std::vector<std::string>>() &&
              tokens == j["tokens"].get<std::vector<std::string>>() &&
              enc.ids == j["ids"].get<std::vector<int32_t>>();
    agree += ok;
    EXPECT_TRUE(ok) << kind << " line " << n << ": " << text;
  }
  EXPECT_EQ(n, 530u);
  EXPECT_EQ(agree, n) << kind << ": " << agree << "/" << n << " lines agree";
}

BertTokenizer small_tokenizer(bool lowercase) {
  return BertTokenizer(Vocab::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "pump", "p",
                                           "##ump", "##s", "caf", "##e", "-", "20", "##4", ",", "温", "度", "."}),
                       {lowercase, lowercase, true, 100});
}

}  // namespace

TEST(Tokenizer, GoldenCased) {
  XINZHI_REQUIRE_DATA(dir, "tokenizer");
  check_golden(dir, "cased", false);
}

TEST(Tokenizer, GoldenUncased) {
  XINZHI_REQUIRE_DATA(dir, "tokenizer");
  check_golden(dir, "uncased", true);
}

TEST(Tokenizer, OffsetsPointIntoTheOriginalText) {
  auto tok = small_tokenizer(true);
  // "Café" has a precomposed é: offsets count characters, not bytes.
  auto enc = tok.encode("Café pumps, 温度.", true);
  std::vector<std::string> pieces = tok.tokens(enc.ids);
  ASSERT_EQ(pieces, (std::vector<std::string>{"[CLS]", "caf", "##e", "pump", "##s", ",", "温", "度", ".", "[SEP]"}));
  std::vector<std::pair<uint32_t, uint32_t>> expect = {{0, 0}, {0, 3}, {3, 4}, {5, 9}, {9, 10}, {10, 11},
                                                      {12, 13}, {13, 14}, {14, 15}, {0, 0}};
  EXPECT_EQ(enc.offsets, expect);
  EXPECT_EQ(enc.word_ids, (std::vector<int32_t>{-1, 0, 0, 1, 1, 2, 3, 4, 5, -1}));
}


TEST(Tokenizer, CasedKeepsCaseAndWordIdsFollowInputWords) {
  auto tok = small_tokenizer(false);
  auto enc = tok.encode_words({"the", "P-204", "pumps"}, true);
  EXPECT_EQ(tok.tokens(enc.ids), (std::vector<std::string>{"[CLS]", "the", "[UNK]", "-", "20", "##4", "pump", "##s", "[SEP]"}));
  EXPECT_EQ(enc.word_ids, (std::vector<int32_t>{-1, 0, 1, 1, 1, 1, 2, 2, -1}));
}

TEST(Tokenizer, TruncationKeepsSpecialTokens) {
  auto tok = small_tokenizer(true);
  auto enc = tok.encode("the pump the pump the pump", true, 5);
  EXPECT_EQ(tok.tokens(enc.ids), (std::vector<std::string>{"[CLS]", "the", "pump", "the", "[SEP]"}));
}

TEST(Tokenizer, InvalidUtf8IsInputError) {
  auto tok = small_tokenizer(true);
  try {
    tok.encode("the \xff pump");
    FAIL() << "no error";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos);
  }
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));       // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));   // surrogate
  EXPECT_TRUE(valid_utf8("温度 ok"));
}

TEST(Tokenizer, VocabularyWithoutUnkIsRejected) {
  TempDir dir;
  xinzhi::testing::write_text(dir / "vocab.txt", "[PAD]\n[CLS]\n[SEP]\nthe\n");
  try {
    Vocab::load(dir / "vocab.txt");
    FAIL() << "no error";
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("[UNK]"), std::string::npos);
  }
}

TEST(VocabBuilder, CoversItsCorpusAndIsDeterministic) {
  TempDir dir;
  std::string corpus;
  for (int i = 0; i < 50; ++i) corpus += "the pump bearing failed; replaced the bearing and the seal of pump " + std::to_string(i) + "\n";
  corpus += "主轴振动异常，已更换轴承。\n";
  xinzhi::testing::write_text(dir / "corpus.txt", corpus);
  VocabBuildOptions opt;
  opt.size = 150;
  opt.lowercase = true;
  auto v1 = build_wordpiece_vocab({dir / "corpus.txt"}, opt);
  auto v2 = build_wordpiece_vocab({dir / "corpus.txt"}, opt);
  EXPECT_EQ(v1, v2);
  EXPECT_LE(v1.size(), 150u);
  EXPECT_GT(v1.size(), 100u);
  EXPECT_EQ(v1[1], "[UNK]");
  BertTokenizer tok(Vocab::from_tokens(v1), {true, true, true, 100});
  auto enc = tok.encode("The pump bearing failed", false);
  for (auto id : enc.ids) EXPECT_NE(id, tok.vocab().unk_id());
  // frequent words become whole pieces
  EXPECT_EQ(tok.tokens(tok.encode("bearing", false).ids), (std::vector<std::string>{"bearing"}));
}

TEST(TextCli, VocabAndTokenizeCommands) {
  TempDir dir;
  xinzhi::testing::write_text(dir / "c.txt", "the pump failed\nthe seal failed\nthe pump seal\n");
  auto r = xinzhi::testing::run_xinzhi("text vocab " + (dir / "c.txt") + " --size 60 --min-frequency 1 -o " + (dir / "v.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = xinzhi::testing::run_shell("echo 'The pump' | " XINZHI_BINARY " text tokenize --uncased --vocab " + (dir / "v.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"tokens\":[\"[CLS]\",\"the\",\"pump\",\"[SEP]\"]"), std::string::npos) << r.output;
  // non-UTF-8 input: one clear message, exit 2
  xinzhi::testing::write_text(dir / "bad.txt", "good line\nbad \xff line\n");
  r = xinzhi::testing::run_xinzhi("text vocab " + (dir / "bad.txt") + " -o " + (dir / "v2.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.txt:2:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("UTF-8"), std::string::npos) << r.output;
}
