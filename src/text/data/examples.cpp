#include "text/data/examples.hpp"

#include <algorithm>
#include <numeric>
#include <random>


#include "core/error.hpp"
#include "core/utf8.hpp"
#include "text/data/word_shape.hpp"

namespace xinzhi::text {

void set_model_batch_options(BatchOptions& options, const ModelConfig& config, const BertTokenizer& tok,
                             const Labels& labels, Task task) {
  options.pad_id = config.pad_token_id;
  options.mask_id = tok.vocab().mask_id() >= 0 ? tok.vocab().mask_id() : tok.vocab().unk_id();
  options.vocab_size = config.vocab_size;
  if (auto o = labels.ids.find("O"); o != labels.ids.end()) options.outside_label = o->second;
  if (options.entity_dropout >= 0 && (task != Task::token_classification || options.outside_label < 0))
    throw UsageError("entity dropout (--entity-dropout) needs a ner training set with an 'O' label");
}

std::vector<Example> encode_tagged(const BertTokenizer& tok, const std::vector<TaggedSentence>& sents,
                                   const Labels& labels, size_t max_length, bool windows, size_t stride,
                                   bool all_pieces, bool word_shapes) {
  std::vector<Example> out;
  const size_t cap = max_length > 2 ? max_length - 2 : 1;
  const int32_t cls = tok.vocab().cls_id(), sep = tok.vocab().sep_id();
  if (cls < 0 || sep < 0) throw InputError("vocabulary", "the vocabulary has no [CLS] or [SEP] token");
  for (size_t s = 0; s < sents.size(); ++s) {
    const auto& sent = sents[s];
    // Pieces of each word (words the tokenizer removes entirely have none and are not scored).
    std::vector<std::vector<int32_t>> pieces(sent.words.size());
    Encoding enc;
    for (size_t w = 0; w < sent.words.size(); ++w) {
      enc.ids.clear(), enc.offsets.clear(), enc.word_ids.clear();
      tok.encode_into(sent.words[w], enc);
      pieces[w] = enc.ids;
    }
    std::vector<int32_t> shapes(word_shapes ? sent.words.size() : 0);
    for (size_t w = 0; w < shapes.size(); ++w) shapes[w] = word_shape(sent.words[w]);
    std::vector<int32_t> label_ids(sent.words.size(), -100);
    for (size_t w = 0; w < sent.words.size(); ++w)
      label_ids[w] = labels.names.empty() ? -100 : labels.at(sent.tags[w], sent.place);
    // Windows of whole words that fit in `cap` pieces.
    std::vector<std::pair<size_t, size_t>> spans;
    size_t begin = 0;
    while (begin < sent.words.size()) {
      size_t end = begin, used = 0;
      while (end < sent.words.size() && used + pieces[end].size() <= cap) used += pieces[end++].size();
      if (end == begin) {  // one word longer than a window: keep its first pieces
        end = begin + 1;
      }
      spans.emplace_back(begin, end);
      if (!windows || end >= sent.words.size()) break;
      // next window starts `stride` pieces before this one's end (at least one word later)
      size_t back = end, overlap = 0;
      while (back > begin + 1 && overlap + pieces[back - 1].size() <= stride) overlap += pieces[--back].size();
      begin = back;
    }
    for (size_t k = 0; k < spans.size(); ++k) {
      auto [b, e] = spans[k];
      // the words this window decides: the overlap with a neighbour is split in the middle
      size_t from = b, to = e;
      if (k > 0) from = (spans[k - 1].second + b + 1) / 2;
      if (k + 1 < spans.size()) to = (e + spans[k + 1].first + 1) / 2;
      Example ex;
      ex.source = static_cast<int32_t>(s);
      ex.ids.push_back(cls);
      if (word_shapes) ex.types.push_back(kShapeNone);
      for (size_t w = b; w < e; ++w) {
        if (pieces[w].empty()) continue;
        if (ex.ids.size() - 1 >= cap) break;
        ex.word_pos.push_back(static_cast<int32_t>(ex.ids.size()));
        ex.word_labels.push_back(label_ids[w]);
        ex.word_index.push_back(static_cast<int32_t>(w));
        ex.scored.push_back(w >= from && w < to);
        for (size_t k = 0; k < pieces[w].size(); ++k) {
          if (ex.ids.size() - 1 >= cap) break;
          if (k > 0 && all_pieces) {
            int32_t l = label_ids[w];
            const std::string& name = l >= 0 ? labels.names[static_cast<size_t>(l)] : std::string();
            if (name.size() > 2 && name[0] == 'B' && name[1] == '-') {
              auto it = labels.ids.find("I-" + name.substr(2));
              if (it != labels.ids.end()) l = it->second;
            }
            ex.word_pos.push_back(static_cast<int32_t>(ex.ids.size()));
            ex.word_labels.push_back(l);
            ex.word_index.push_back(static_cast<int32_t>(w));
            ex.scored.push_back(0);
          }
          ex.ids.push_back(pieces[w][k]);
          if (word_shapes) ex.types.push_back(shapes[w]);
        }
      }
      ex.ids.push_back(sep);
      if (word_shapes) ex.types.push_back(kShapeNone);
      if (!windows)  // one window: it decides every word (from the word's first piece)
        for (size_t i = 0; i < ex.scored.size(); ++i)
          ex.scored[i] = i == 0 || ex.word_index[i] != ex.word_index[i - 1];
      out.push_back(std::move(ex));
    }
  }
  return out;
}

std::vector<Example> encode_records(const BertTokenizer& tok, const std::vector<TextRecord>& recs, Task task,
                                    const Labels& labels, size_t max_length) {
  std::vector<Example> out;
  out.reserve(recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    size_t bad = 0;
    if (!valid_utf8(r.text, &bad)) throw InputError(r.place, "the text is not valid UTF-8");
    Example ex;
    ex.source = static_cast<int32_t>(i);
    ex.ids = tok.encode(r.text, true, max_length).ids;
    switch (task) {
      case Task::sequence_classification:
        if (!labels.names.empty()) {
          if (r.labels.size() != 1) throw InputError(r.place, "needs exactly one label");
          ex.label = labels.at(r.labels[0], r.place);
        }
        break;
      case Task::multi_label:
        ex.targets.assign(labels.names.size(), 0.f);
        for (auto& l : r.labels) ex.targets[static_cast<size_t>(labels.at(l, r.place))] = 1.f;
        break;
      case Task::regression:
        ex.targets = {static_cast<float>(r.value)};
        break;
      default:
        break;
    }
    out.push_back(std::move(ex));
  }
  return out;
}

Batch make_batch(const std::vector<Example>& ex, size_t begin, size_t end, Task task, int64_t num_labels,
                 int64_t pad_id) {
  std::vector<size_t> idx(end - begin);
  std::iota(idx.begin(), idx.end(), begin);
  Batch b;
  b.size = static_cast<int64_t>(idx.size());
  for (auto i : idx) {
    b.length = std::max<int64_t>(b.length, static_cast<int64_t>(ex[i].ids.size()));
    b.words = std::max<int64_t>(b.words, static_cast<int64_t>(ex[i].word_pos.size()));
  }
  if (task == Task::token_classification) b.words = std::max<int64_t>(b.words, 1);
  b.ids.assign(static_cast<size_t>(b.size * b.length), pad_id);
  b.mask.assign(b.ids.size(), 0);
  bool typed = false;
  for (auto i : idx) typed = typed || !ex[i].types.empty();
  if (typed) b.types.assign(b.ids.size(), 0);
  if (task == Task::token_classification) {
    b.word_pos.assign(static_cast<size_t>(b.size * b.words), 0);
    b.word_labels.assign(b.word_pos.size(), -100);
  }
  for (size_t r = 0; r < idx.size(); ++r) {
    const Example& e = ex[idx[r]];
    for (size_t t = 0; t < e.ids.size(); ++t) {
      b.ids[r * static_cast<size_t>(b.length) + t] = e.ids[t];
      b.mask[r * static_cast<size_t>(b.length) + t] = 1;
      if (typed && t < e.types.size()) b.types[r * static_cast<size_t>(b.length) + t] = e.types[t];
    }
    if (task == Task::token_classification)
      for (size_t w = 0; w < e.word_pos.size(); ++w) {
        b.word_pos[r * static_cast<size_t>(b.words) + w] = e.word_pos[w];
        b.word_labels[r * static_cast<size_t>(b.words) + w] = e.word_labels[w];
      }
    if (task == Task::sequence_classification) b.labels.push_back(e.label);
    if (task == Task::multi_label || task == Task::regression) {
      if (e.targets.size() != static_cast<size_t>(num_labels)) b.targets.resize(b.targets.size() + static_cast<size_t>(num_labels), 0.f);
      else b.targets.insert(b.targets.end(), e.targets.begin(), e.targets.end());
    }
  }
  return b;
}

std::vector<Batch> make_batches(const std::vector<Example>& examples, Task task, int64_t num_labels,
                                const BatchOptions& o, uint64_t epoch) {
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed * 1000003ULL + epoch);
  if (o.shuffle) std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::vector<size_t>> groups;
  const size_t bs = std::max<size_t>(1, o.batch_size);
  if (o.bucket) {
    // Sort each chunk of 50 batches by length, cut it into batches, then shuffle the batches.
    const size_t chunk = bs * 50;
    for (size_t c = 0; c < order.size(); c += chunk) {
      auto first = order.begin() + static_cast<long>(c);
      auto last = order.begin() + static_cast<long>(std::min(order.size(), c + chunk));
      std::stable_sort(first, last, [&](size_t a, size_t b) { return examples[a].ids.size() < examples[b].ids.size(); });
    }
  }
  for (size_t i = 0; i < order.size(); i += bs)
    groups.emplace_back(order.begin() + static_cast<long>(i), order.begin() + static_cast<long>(std::min(order.size(), i + bs)));
  if (o.bucket && o.shuffle) std::shuffle(groups.begin(), groups.end(), rng);

  std::vector<Batch> out;
  std::vector<Example> tmp;
  for (size_t g = 0; g < groups.size(); ++g) {
    tmp.clear();
    for (auto i : groups[g]) tmp.push_back(examples[i]);
    Batch b = make_batch(tmp, 0, tmp.size(), task, num_labels, o.pad_id);
    if (task == Task::masked_lm) {
      // BERT's masking: 15% of the real tokens (not [CLS]/[SEP]); of those 80% [MASK],
      // 10% a random token, 10% unchanged.
      std::mt19937_64 mrng(o.seed * 7919ULL + epoch * 104729ULL + g);
      std::uniform_real_distribution<double> u(0.0, 1.0);
      std::uniform_int_distribution<int64_t> rand_tok(0, std::max<int64_t>(1, o.vocab_size) - 1);
      b.mlm_labels.assign(b.ids.size(), -100);
      for (int64_t r = 0; r < b.size; ++r) {
        const int64_t len = static_cast<int64_t>(tmp[static_cast<size_t>(r)].ids.size());
        for (int64_t t = 1; t + 1 < len; ++t) {
          const size_t k = static_cast<size_t>(r * b.length + t);
          if (u(mrng) >= o.mlm_probability) continue;
          b.mlm_labels[k] = b.ids[k];
          const double x = u(mrng);
          if (x < 0.8) b.ids[k] = o.mask_id;
          else if (x < 0.9) b.ids[k] = rand_tok(mrng);
        }
      }
    }
    // Entity words are known only where the caller named the outside label.
    const bool entity_noise =
        task == Task::token_classification && o.outside_label >= 0 && o.entity_dropout > o.token_dropout;
    if (task != Task::masked_lm && (o.token_dropout > 0 || entity_noise)) {
      std::mt19937_64 drng(o.seed * 6151ULL + epoch * 49157ULL + g);
      std::uniform_real_distribution<double> u(0.0, 1.0);
      std::vector<double> p;
      for (int64_t r = 0; r < b.size; ++r) {
        const Example& e = tmp[static_cast<size_t>(r)];
        const int64_t len = static_cast<int64_t>(e.ids.size());
        p.assign(static_cast<size_t>(len), o.token_dropout);
        if (entity_noise)  // every piece of an entity word, up to the next word's first piece
          for (size_t w = 0; w < e.word_pos.size(); ++w) {
            if (e.word_labels[w] < 0 || e.word_labels[w] == o.outside_label) continue;
            const int64_t end = w + 1 < e.word_pos.size() ? e.word_pos[w + 1] : len - 1;
            for (int64_t t = e.word_pos[w]; t < end && t < len; ++t) p[static_cast<size_t>(t)] = o.entity_dropout;
          }
        for (int64_t t = 1; t + 1 < len; ++t)
          if (u(drng) < p[static_cast<size_t>(t)]) b.ids[static_cast<size_t>(r * b.length + t)] = o.mask_id;
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace xinzhi::text
