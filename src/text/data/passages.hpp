// Document context for NER: consecutive sentences of one document joined into passages that
// fill the model's window, so each word is tagged seeing its neighbours (a name spelt out in
// full two sentences earlier; a results table whose rows are all teams). Predictions are split
// back into the original sentences, so reports and outputs stay per sentence.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "text/data/data_set.hpp"
#include "text/model/model_config.hpp"
#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::text {

struct Passages {
  std::vector<TaggedSentence> passages;
  std::vector<size_t> first, count;  // per passage: its first sentence and how many it joins
};

// Greedy: a passage takes the next sentences of the same document while their WordPiece
// pieces fit in max_pieces. Sentences without a document (document < 0) stay alone; so does a
// sentence that alone exceeds max_pieces (the sliding windows take care of it).
Passages join_documents(const BertTokenizer& tok, const std::vector<TaggedSentence>& sents, size_t max_pieces);

// Per-passage word tags -> per-sentence word tags (the inverse of the join).
std::vector<std::vector<std::string>> split_passages(const Passages& p, const std::vector<TaggedSentence>& sents,
                                                     const std::vector<std::vector<std::string>>& passage_tags);

// The sentences as a model reads them: joined into document passages (kept in `joined`) when it
// was trained with document context, else the sentences themselves.
const std::vector<TaggedSentence>& model_inputs(const ModelConfig& config, const BertTokenizer& tok,
                                                const std::vector<TaggedSentence>& sents, size_t max_length,
                                                Passages& joined);

}  // namespace xinzhi::text
