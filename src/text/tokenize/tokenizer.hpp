// The BERT tokenizer: the basic tokenizer (cleaning, CJK and punctuation splitting, optional
// lowercasing and accent stripping) followed by greedy longest-match WordPiece, with character
// offsets back into the original text and word ids. Reproduces google-research/bert's
// tokenization.py (max 100 characters per word, as Hugging Face) exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "text/tokenize/vocab.hpp"

namespace xinzhi::text {

struct TokenizerOptions {
  bool lowercase = true;      // do_lower_case
  bool strip_accents = true;  // NFD and drop combining marks; applies only when lowercasing
                              // unless set explicitly (Hugging Face's strip_accents=None rule)
  bool split_cjk = true;      // tokenize_chinese_chars: one token per CJK ideograph
  size_t max_chars_per_word = 100;
};

// A token of the basic tokenizer: its normalised text and where it came from in the input,
// in Unicode characters (code points), end exclusive.
struct BasicToken {
  std::string text;
  uint32_t begin = 0, end = 0;
};

// The result of encoding one text (or one pre-split sentence).
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;  // character offsets; (0,0) for specials
  std::vector<int32_t> word_ids;                        // -1 for special tokens
  size_t size() const { return ids.size(); }
};


class BertTokenizer {
 public:
  BertTokenizer(Vocab vocab, TokenizerOptions options);
  ~BertTokenizer();
  BertTokenizer(BertTokenizer&&) noexcept;
  BertTokenizer& operator=(BertTokenizer&&) noexcept;

  const Vocab& vocab() const { return vocab_; }
  const TokenizerOptions& options() const { return options_; }

  // The basic tokenizer alone. Invalid UTF-8 is an InputError.
  std::vector<BasicToken> basic_tokenize(std::string_view text) const;

  // WordPiece ids of a text, without special tokens. Appends to `out`.
  void encode_into(std::string_view text, Encoding& out) const;
  // [CLS] text [SEP] (when add_special), truncated to max_length (0 = no limit) keeping room
  // for the special tokens.
  Encoding encode(std::string_view text, bool add_special = true, size_t max_length = 0) const;
  // Pre-split input (e.g. a CoNLL sentence): word_ids index into `words`; offsets are within
  // each word.
  Encoding encode_words(const std::vector<std::string>& words, bool add_special = true,
                        size_t max_length = 0) const;
  // The token strings of ids ([UNK] etc. included).
  std::vector<std::string> tokens(const std::vector<int32_t>& ids) const;

 private:
  struct Scratch;
  void run(std::string_view text, int32_t word_id, Encoding& out, std::vector<BasicToken>* basic) const;
  Vocab vocab_;
  TokenizerOptions options_;
  std::unique_ptr<Scratch> scratch_;  // reused buffers (a tokenizer is not shared across threads)
};

}  // namespace xinzhi::text
