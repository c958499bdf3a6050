// A WordPiece vocabulary: one token a line, id = line number (the vocab.txt of a BERT model
// folder), with fast lookup of tokens and continuation pieces ("##x").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xinzhi::text {

class Vocab {
 public:
  Vocab() = default;
  // Reads vocab.txt (each line stripped of surrounding whitespace, as the reference does; a
  // token that appears twice keeps its last line number). Requires an [UNK] entry unless
  // require_unk is false. Bad input is an InputError naming the file and line.
  static Vocab load(const std::string& path, bool require_unk = true);
  static Vocab from_tokens(std::vector<std::string> tokens, bool require_unk = true,
                           const std::string& origin = "vocabulary");
  void save(const std::string& path) const;  // atomic

  // -1 when absent.
  int32_t id(std::string_view token) const {
    auto it = ids_.find(token);
    return it == ids_.end() ? -1 : it->second;
  }
  // The longest entry that is a prefix of `s` (a word start, or with continuation=true a
  // "##" piece): its id and byte length; -1 when none. This is WordPiece's greedy match.
  int32_t longest_prefix(std::string_view s, bool continuation, size_t& length) const {
    const Trie& t = continuation ? cont_trie_ : word_trie_;
    int32_t best = -1;
    length = 0;
    if (s.empty()) return -1;
    int32_t node = t.root[static_cast<unsigned char>(s[0])];
    for (size_t i = 1; node >= 0; ++i) {
      const Trie::Node& nd = t.nodes[static_cast<size_t>(node)];
      if (nd.id >= 0) best = nd.id, length = i;
      if (i == s.size()) break;
      const auto c = static_cast<unsigned char>(s[i]);
      int32_t next = -1;
      if (nd.dense >= 0) {
        next = t.dense[static_cast<size_t>(nd.dense) * 256 + c];
      } else {
        for (uint32_t e = nd.first; e < nd.first + nd.count; ++e)
          if (t.edge_byte[e] == c) {
            next = t.edge_child[e];
            break;
          }
      }
      node = next;
    }
    return best;
  }
  const std::string& token(int32_t id) const { return tokens_.at(static_cast<size_t>(id)); }
  size_t size() const { return tokens_.size(); }

  int32_t unk_id() const { return unk_; }
  int32_t cls_id() const { return cls_; }
  int32_t sep_id() const { return sep_; }
  int32_t pad_id() const { return pad_; }
  int32_t mask_id() const { return mask_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  // A byte trie of the entries (first byte through a direct table) for longest_prefix.
  struct Trie {
    struct Node {
      int32_t id = -1;
      uint32_t first = 0, count = 0;  // its edges in edge_byte / edge_child
      int32_t dense = -1;             // nodes with many edges: a 256-entry table in `dense`
    };
    std::vector<int32_t> dense;
    int32_t root[256];
    std::vector<Node> nodes;
    std::vector<unsigned char> edge_byte;
    std::vector<int32_t> edge_child;
    void build(const std::vector<std::pair<std::string_view, int32_t>>& entries);
  };
  Trie word_trie_, cont_trie_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> ids_;
  int32_t unk_ = -1, cls_ = -1, sep_ = -1, pad_ = -1, mask_ = -1;
};

}  // namespace xinzhi::text
