#include "text/tokenize/vocab.hpp"

#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace xinzhi::text {

namespace {
bool is_strip_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
}  // namespace

void Vocab::Trie::build(const std::vector<std::pair<std::string_view, int32_t>>& entries) {
  // A pointer trie first, then flattened breadth-first so each node's edges are contiguous.
  struct Tmp {
    int32_t id = -1;
    std::map<unsigned char, int32_t> next;
  };
  std::vector<Tmp> tmp(1);
  for (const auto& [s, id] : entries) {
    int32_t n = 0;
    for (unsigned char c : s) {
      auto it = tmp[static_cast<size_t>(n)].next.find(c);
      if (it == tmp[static_cast<size_t>(n)].next.end()) {
        tmp.emplace_back();
        int32_t child = static_cast<int32_t>(tmp.size() - 1);
        tmp[static_cast<size_t>(n)].next.emplace(c, child);
        n = child;
      } else {
        n = it->second;
      }
    }
    tmp[static_cast<size_t>(n)].id = id;
  }
  // Node numbering: BFS order, excluding the root (reached through `root`).
  std::vector<int32_t> order, index(tmp.size(), -1);
  for (auto& [c, child] : tmp[0].next) order.push_back(child);
  for (size_t i = 0; i < order.size(); ++i)
    for (auto& [c, child] : tmp[static_cast<size_t>(order[i])].next) order.push_back(child);
  for (size_t i = 0; i < order.size(); ++i) index[static_cast<size_t>(order[i])] = static_cast<int32_t>(i);
  nodes.assign(order.size(), Node{});
  dense.clear();
  edge_byte.clear();
  edge_child.clear();
  for (size_t i = 0; i < order.size(); ++i) {
    const Tmp& t = tmp[static_cast<size_t>(order[i])];
    nodes[i].id = t.id;
    nodes[i].first = static_cast<uint32_t>(edge_byte.size());
    nodes[i].count = static_cast<uint32_t>(t.next.size());
    for (auto& [c, child] : t.next) edge_byte.push_back(c), edge_child.push_back(index[static_cast<size_t>(child)]);
    if (t.next.size() >= 8) {
      nodes[i].dense = static_cast<int32_t>(dense.size() / 256);
      dense.resize(dense.size() + 256, -1);
      for (auto& [c, child] : t.next) dense[static_cast<size_t>(nodes[i].dense) * 256 + c] = index[static_cast<size_t>(child)];
    }
  }
  for (int c = 0; c < 256; ++c) root[c] = -1;
  for (auto& [c, child] : tmp[0].next) root[c] = index[static_cast<size_t>(child)];
}

Vocab Vocab::load(const std::string& path, bool require_unk) {
  std::string content = read_file(path);
  std::vector<std::string> tokens;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string::npos) nl = content.size();
    std::string_view line(content.data() + pos, nl - pos);
    while (!line.empty() && is_strip_space(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    while (!line.empty() && is_strip_space(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    tokens.emplace_back(line);
    pos = nl + 1;
  }
  return from_tokens(std::move(tokens), require_unk, path);
}

Vocab Vocab::from_tokens(std::vector<std::string> tokens, bool require_unk, const std::string& origin) {
  Vocab v;
  v.tokens_ = std::move(tokens);
  if (v.tokens_.empty()) throw InputError(origin, "the vocabulary is empty");
  v.ids_.reserve(v.tokens_.size() * 2);
  for (size_t i = 0; i < v.tokens_.size(); ++i) v.ids_[v.tokens_[i]] = static_cast<int32_t>(i);
  std::vector<std::pair<std::string_view, int32_t>> words, conts;
  for (const auto& [tok, id] : v.ids_) {
    if (tok.empty()) continue;
    words.emplace_back(tok, id);
    if (tok.size() > 2 && tok.compare(0, 2, "##") == 0) conts.emplace_back(std::string_view(tok).substr(2), id);
  }
  v.word_trie_.build(words);
  v.cont_trie_.build(conts);
  v.unk_ = v.id("[UNK]");
  v.cls_ = v.id("[CLS]");
  v.sep_ = v.id("[SEP]");
  v.pad_ = v.id("[PAD]");
  v.mask_ = v.id("[MASK]");
  if (require_unk && v.unk_ < 0)
    throw InputError(origin, "the vocabulary has no [UNK] token (words it cannot cover need one)");
  return v;
}

void Vocab::save(const std::string& path) const {
  std::string out;
  for (const auto& t : tokens_) out += t, out += '\n';
  write_file_atomic(path, out);
}

}  // namespace xinzhi::text
