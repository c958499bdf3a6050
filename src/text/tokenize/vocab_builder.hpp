// Builds a WordPiece vocabulary from a corpus (for users without one): words come from the
// basic tokenizer, then byte-pair-style merges of the most frequent adjacent pieces until the
// vocabulary reaches the requested size. Special tokens come first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::text {

struct VocabBuildOptions {
  size_t size = 30000;
  bool lowercase = false;
  size_t min_frequency = 2;  // pieces (merges) seen fewer times are not added
  size_t max_alphabet = 1000;  // most frequent characters kept; the rest become [UNK]
};

// files: plain text, one document or sentence a line (for CoNLL files, the first column).
std::vector<std::string> build_wordpiece_vocab(const std::vector<std::string>& files,
                                               const VocabBuildOptions& options);
// The same from a corpus in memory (one document or sentence a line); `name` is what messages
// call it (invalid UTF-8 is an InputError at name:line:column).
std::vector<std::string> build_wordpiece_vocab(std::string_view corpus, const std::string& name,
                                               const VocabBuildOptions& options);

}  // namespace xinzhi::text
