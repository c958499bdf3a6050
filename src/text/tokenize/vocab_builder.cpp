#include "text/tokenize/vocab_builder.hpp"

#include <algorithm>
#include <cstdint>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/progress.hpp"

namespace xinzhi::text {

namespace {

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0) len = 4;
    else if (c >= 0xE0) len = 3;
    else if (c >= 0xC0) len = 2;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

using WordCounts = std::unordered_map<std::string, int64_t>;

const std::vector<std::string> kSpecials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

void check_size(const VocabBuildOptions& options) {
  if (options.size <= kSpecials.size()) throw UsageError("--size must be larger than the 5 special tokens");
}

// The basic tokenizer alone needs no real vocabulary.
BertTokenizer basic_tokenizer(const VocabBuildOptions& options) {
  return BertTokenizer(Vocab::from_tokens({"[UNK]"}), TokenizerOptions{options.lowercase, options.lowercase, true, 100});
}

// Adds the words of each line of `text` to `counts`.
void count_words(const BertTokenizer& basic, std::string_view text, const std::string& name, WordCounts& counts) {
  for_each_line(text, [&](long line, std::string_view s) {
    size_t bad = 0;
    if (!valid_utf8(s, &bad)) throw InputError(place(name, line, static_cast<long>(bad + 1)), "the text is not valid UTF-8");
    for (auto& t : basic.basic_tokenize(s)) ++counts[t.text];
  });
}

// 2. to 4. of the build: the alphabet, then the merges, from the words' frequencies.
std::vector<std::string> vocab_from_counts(const WordCounts& word_freq, const std::string& origin,
                                           const VocabBuildOptions& options) {
  if (word_freq.empty()) throw InputError(origin, "the corpus has no words");

  // Deterministic order of words (by frequency, then text).
  std::vector<std::pair<std::string, int64_t>> words(word_freq.begin(), word_freq.end());
  std::sort(words.begin(), words.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });

  // 2. The alphabet: the most frequent characters, as word starts and as continuations.
  std::unordered_map<std::string, int64_t> char_freq;
  for (auto& [w, f] : words)
    for (auto& c : utf8_chars(w)) char_freq[c] += f;
  std::vector<std::pair<std::string, int64_t>> chars(char_freq.begin(), char_freq.end());
  std::sort(chars.begin(), chars.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  // The alphabet (each character twice: word start and continuation) must fit in the size.
  const size_t alphabet = std::min(options.max_alphabet, (options.size - kSpecials.size()) / 2);
  if (chars.size() > alphabet) chars.resize(alphabet);

  std::vector<std::string> symbols;  // symbol id -> piece ("x" or "##x")
  std::unordered_map<std::string, int32_t> symbol_id;
  std::vector<std::string> vocab = kSpecials;
  auto intern = [&](const std::string& s, bool add_to_vocab) {
    auto it = symbol_id.find(s);
    if (it != symbol_id.end()) return it->second;
    auto id = static_cast<int32_t>(symbols.size());
    symbols.push_back(s);
    symbol_id.emplace(s, id);
    if (add_to_vocab) vocab.push_back(s);
    return id;
  };
  for (auto& [c, f] : chars) intern(c, true);
  for (auto& [c, f] : chars) intern("##" + c, true);

  // 3. Words as symbol sequences (words with a character outside the alphabet are dropped).
  std::vector<std::vector<int32_t>> seqs;
  std::vector<int64_t> freqs;
  for (auto& [w, f] : words) {
    std::vector<int32_t> seq;
    bool ok = true;
    auto cs = utf8_chars(w);
    for (size_t i = 0; i < cs.size() && ok; ++i) {
      auto it = symbol_id.find(i == 0 ? cs[i] : "##" + cs[i]);
      if (it == symbol_id.end()) ok = false;
      else seq.push_back(it->second);
    }
    if (ok && seq.size() > 1) seqs.push_back(std::move(seq)), freqs.push_back(f);
  }

  // 4. Merges of the most frequent adjacent pair, with incremental pair counts.
  auto key = [](int32_t a, int32_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); };
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> pair_words;
  using Entry = std::pair<int64_t, uint64_t>;
  // Highest count first; ties go to the smaller key (older symbols), which is deterministic.
  auto cmp = [](const Entry& x, const Entry& y) { return x.first != y.first ? x.first < y.first : x.second > y.second; };
  std::priority_queue<Entry, std::vector<Entry>, decltype(cmp)> heap(cmp);
  auto add_pairs = [&](int32_t w, int64_t sign) {
    const auto& s = seqs[w];
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      uint64_t k = key(s[i], s[i + 1]);
      int64_t& c = pair_count[k];
      c += sign * freqs[w];
      if (sign > 0) pair_words[k].push_back(w);
    }
  };
  for (int32_t w = 0; w < static_cast<int32_t>(seqs.size()); ++w) add_pairs(w, +1);
  for (auto& [k, c] : pair_count) heap.emplace(c, k);

  Progress progress("building vocabulary", options.size, "pieces");
  std::vector<int32_t> seen(seqs.size(), -1);
  int32_t round = 0;
  while (vocab.size() < options.size && !heap.empty()) {
    auto [count, k] = heap.top();
    heap.pop();
    auto it = pair_count.find(k);
    if (it == pair_count.end() || it->second != count) continue;  // stale entry
    if (count < static_cast<int64_t>(options.min_frequency)) break;
    const int32_t a = static_cast<int32_t>(k >> 32), b = static_cast<int32_t>(k & 0xffffffffu);
    const std::string& sb = symbols[b];
    std::string merged = symbols[a] + (sb.rfind("##", 0) == 0 ? sb.substr(2) : sb);
    const int32_t m = intern(merged, symbol_id.find(merged) == symbol_id.end());
    ++round;
    std::vector<int32_t> affected = std::move(pair_words[k]);
    pair_words.erase(k);
    std::vector<uint64_t> touched;
    for (int32_t w : affected) {
      if (seen[w] == round) continue;
      seen[w] = round;
      auto& s = seqs[w];
      bool has = false;
      for (size_t i = 0; i + 1 < s.size() && !has; ++i) has = s[i] == a && s[i + 1] == b;
      if (!has) continue;
      for (size_t i = 0; i + 1 < s.size(); ++i) touched.push_back(key(s[i], s[i + 1]));
      add_pairs(w, -1);
      std::vector<int32_t> next;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) next.push_back(m), ++i;
        else next.push_back(s[i]);
      }
      s = std::move(next);
      add_pairs(w, +1);
      for (size_t i = 0; i + 1 < s.size(); ++i) touched.push_back(key(s[i], s[i + 1]));
    }
    pair_count.erase(k);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (uint64_t t : touched) {
      auto pc = pair_count.find(t);
      if (pc == pair_count.end()) continue;
      if (pc->second <= 0) pair_count.erase(pc);
      else heap.emplace(pc->second, t);
    }
    progress.set(vocab.size());
  }
  progress.finish();
  return vocab;
}

}  // namespace

std::vector<std::string> build_wordpiece_vocab(const std::vector<std::string>& files,
                                               const VocabBuildOptions& options) {
  check_size(options);
  const BertTokenizer basic = basic_tokenizer(options);
  WordCounts counts;
  for (const auto& file : files) count_words(basic, read_file(file), file, counts);  // one file in memory at a time
  return vocab_from_counts(counts, files.empty() ? "corpus" : files.front(), options);
}

std::vector<std::string> build_wordpiece_vocab(std::string_view corpus, const std::string& name,
                                               const VocabBuildOptions& options) {
  check_size(options);
  WordCounts counts;
  count_words(basic_tokenizer(options), corpus, name, counts);
  return vocab_from_counts(counts, name, options);
}

}  // namespace xinzhi::text
