#include "text/data/passages.hpp"

#include "core/error.hpp"

namespace xinzhi::text {

Passages join_documents(const BertTokenizer& tok, const std::vector<TaggedSentence>& sents, size_t max_pieces) {
  std::vector<size_t> pieces(sents.size(), 0);
  Encoding enc;
  for (size_t s = 0; s < sents.size(); ++s)
    for (auto& w : sents[s].words) {
      enc.ids.clear(), enc.offsets.clear(), enc.word_ids.clear();
      tok.encode_into(w, enc);
      pieces[s] += enc.ids.size();
    }
  Passages out;
  size_t s = 0;
  while (s < sents.size()) {
    TaggedSentence p = sents[s];
    size_t used = pieces[s], n = 1;
    if (sents[s].document >= 0)
      while (s + n < sents.size() && sents[s + n].document == sents[s].document && used + pieces[s + n] <= max_pieces) {
        const TaggedSentence& next = sents[s + n];
        p.words.insert(p.words.end(), next.words.begin(), next.words.end());
        p.tags.insert(p.tags.end(), next.tags.begin(), next.tags.end());
        used += pieces[s + n++];
      }
    out.passages.push_back(std::move(p));
    out.first.push_back(s);
    out.count.push_back(n);
    s += n;
  }
  return out;
}

std::vector<std::vector<std::string>> split_passages(const Passages& p, const std::vector<TaggedSentence>& sents,
                                                     const std::vector<std::vector<std::string>>& passage_tags) {
  if (passage_tags.size() != p.passages.size()) throw InternalError("split_passages: one tag list per passage expected");
  std::vector<std::vector<std::string>> out(sents.size());
  for (size_t k = 0; k < p.passages.size(); ++k) {
    size_t at = 0;
    for (size_t s = p.first[k]; s < p.first[k] + p.count[k]; ++s) {
      const size_t n = sents[s].words.size();
      if (at + n > passage_tags[k].size()) throw InternalError("split_passages: a passage has fewer tags than words");
      out[s].assign(passage_tags[k].begin() + static_cast<long>(at), passage_tags[k].begin() + static_cast<long>(at + n));
      at += n;
    }
  }
  return out;
}

const std::vector<TaggedSentence>& model_inputs(const ModelConfig& config, const BertTokenizer& tok,
                                                const std::vector<TaggedSentence>& sents, size_t max_length,
                                                Passages& joined) {
  if (!config.document_context) return sents;
  joined = join_documents(tok, sents, max_length - 2);  // [CLS] and [SEP] take two of the positions
  return joined.passages;
}

}  // namespace xinzhi::text
