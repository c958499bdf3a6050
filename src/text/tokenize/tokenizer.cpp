#include "text/tokenize/tokenizer.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <utf8proc.h>

#include "core/error.hpp"

namespace xinzhi::text {

namespace {

// Character classes of the basic tokenizer, in the order it tests them.
enum CharClass : uint8_t { kOther = 0, kRemove = 1, kSpace = 2, kPunct = 3 };

struct AsciiTable {
  uint8_t cls[128];
  constexpr AsciiTable() : cls{} {
    for (int c = 0; c < 128; ++c) {
      uint8_t k = kOther;
      if (c == 0 || c < 32 || c == 127) k = kRemove;  // Cc
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') k = kSpace;
      if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        k = kPunct;
      cls[c] = k;
    }
  }
};
constexpr AsciiTable kAscii;

// _clean_text removes NUL, U+FFFD and control characters (Cc, Cf; tab/newline/CR are
// whitespace); whitespace is Zs plus what Python's str.split() splits on (U+2028, U+2029);
// punctuation is the four ASCII ranges plus every P* category.
inline uint8_t classify(char32_t cp) {
  if (cp < 128) return kAscii.cls[cp];
  if (cp == 0xFFFD) return kRemove;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
      return kRemove;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return kSpace;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return kPunct;
    default:
      return kOther;
  }
}

inline bool is_punct(char32_t cp) { return classify(cp) == kPunct; }

// The CJK Unified Ideographs blocks of the reference (not Hangul, kana or full-width forms).
inline bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Decodes one UTF-8 sequence at s[i]; returns its length, 0 when invalid (overlong forms,
// surrogates and values past U+10FFFF are invalid, as for Python's decoder).
inline size_t decode(const unsigned char* s, size_t n, size_t i, char32_t& cp) {
  unsigned char c = s[i];
  if (c < 0x80) return cp = c, 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) {
    if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return 0;
    cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
    return 2;
  }
  if (c < 0xF0) {
    if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
    cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return 3;
  }
  if (c < 0xF5) {
    if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
      return 0;
    cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

inline utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}
bool is_cased(char32_t cp) {
  auto c = category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT;
}
// Python's notion of case-ignorable (approximately: marks, format characters, modifiers and
// the word-internal punctuation of Unicode's MidLetter/MidNumLet classes).
bool is_case_ignorable(char32_t cp) {
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_SK:
      return true;
    default:
      break;
  }
  return cp == '\'' || cp == '.' || cp == ':' || cp == 0xB7 || cp == 0x2018 || cp == 0x2019 ||
         cp == 0x2024 || cp == 0xFE52 || cp == 0xFF07 || cp == 0xFF0E || cp == 0x387 || cp == 0x5F4 ||
         cp == 0x2027 || cp == 0xFE13 || cp == 0xFE55 || cp == 0xFF1A || cp == 0xAD;
}

}  // namespace

// Reused buffers: the word being collected (code points and their character index in the
// input), the normalised text of the current text's basic tokens and their spans.
struct BertTokenizer::Scratch {
  std::vector<char32_t> wcp, tmp_cp;
  std::vector<uint32_t> worig, tmp_orig;
  bool word_ascii = true;
  std::string bytes;              // normalised UTF-8 of all basic tokens, back to back
  std::vector<uint32_t> cp_byte;  // byte start of each normalised code point (+ one past the end)
  std::vector<uint32_t> cp_orig;  // input character index of each normalised code point
  struct Span {
    uint32_t begin, end;  // normalised code points
  };
  std::vector<Span> spans;
  uint32_t token_begin = 0;

  void reset() {
    bytes.clear();
    cp_byte.assign(1, 0);
    cp_orig.clear();
    spans.clear();
    token_begin = 0;
  }
  void push(char32_t cp, uint32_t orig) {
    append_utf8(bytes, cp);
    cp_orig.push_back(orig);
    cp_byte.push_back(static_cast<uint32_t>(bytes.size()));
  }
  void end_token() {
    auto n = static_cast<uint32_t>(cp_orig.size());
    if (n > token_begin) spans.push_back({token_begin, n});
    token_begin = n;
  }
};

BertTokenizer::BertTokenizer(Vocab vocab, TokenizerOptions options)
    : vocab_(std::move(vocab)), options_(options), scratch_(std::make_unique<Scratch>()) {
  if (vocab_.unk_id() < 0) throw InputError("vocabulary", "the vocabulary has no [UNK] token");
}
BertTokenizer::~BertTokenizer() = default;
BertTokenizer::BertTokenizer(BertTokenizer&&) noexcept = default;
BertTokenizer& BertTokenizer::operator=(BertTokenizer&&) noexcept = default;

void BertTokenizer::run(std::string_view text, int32_t word_id, Encoding& out,
                        std::vector<BasicToken>* basic) const {
  Scratch& s = *scratch_;
  s.reset();
  s.wcp.clear();
  s.worig.clear();
  s.word_ascii = true;
  const bool lower = options_.lowercase, strip = options_.strip_accents;

  // A whitespace-separated word: lowercase, strip accents, then split off punctuation.
  auto flush_word = [&] {
    if (s.wcp.empty()) return;
    std::vector<char32_t>* cps = &s.wcp;
    std::vector<uint32_t>* origs = &s.worig;
    if (!s.word_ascii && (lower || strip)) {
      s.tmp_cp.clear();
      s.tmp_orig.clear();
      const size_t n = s.wcp.size();
      for (size_t i = 0; i < n; ++i) {
        char32_t cp = s.wcp[i];
        char32_t mapped[4];
        int count = 1;
        mapped[0] = cp;
        if (lower) {
          if (cp == 0x130) {  // Python's full lowercase mapping: İ -> i + combining dot above
            mapped[0] = 'i', mapped[1] = 0x307, count = 2;
          } else if (cp == 0x3A3) {  // final sigma: after a cased letter and not before one
            bool before = false, after = false;
            for (size_t j = i; j-- > 0;) {
              if (is_case_ignorable(s.wcp[j])) continue;
              before = is_cased(s.wcp[j]);
              break;
            }
            for (size_t j = i + 1; j < n; ++j) {
              if (is_case_ignorable(s.wcp[j])) continue;
              after = is_cased(s.wcp[j]);
              break;
            }
            mapped[0] = (before && !after) ? 0x3C2 : 0x3C3;
          } else {
            mapped[0] = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
          }
        }
        for (int m = 0; m < count; ++m) {
          char32_t c = mapped[m];
          if (!strip || c < 0xC0) {
            s.tmp_cp.push_back(c);
            s.tmp_orig.push_back(s.worig[i]);
            continue;
          }
          utf8proc_int32_t dec[32];
          int last_boundclass = 0;
          auto len = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), dec, 32, UTF8PROC_DECOMPOSE,
                                             &last_boundclass);
          if (len < 0 || len > 32) dec[0] = static_cast<utf8proc_int32_t>(c), len = 1;
          for (utf8proc_ssize_t k = 0; k < len; ++k) {
            s.tmp_cp.push_back(static_cast<char32_t>(dec[k]));
            s.tmp_orig.push_back(s.worig[i]);
          }
        }
      }
      if (strip) {
        // Canonical ordering of combining marks (NFD), then drop the nonspacing marks (Mn).
        size_t n2 = s.tmp_cp.size();
        for (size_t i = 0; i < n2;) {
          auto ccc = [&](size_t k) {
            return utf8proc_get_property(static_cast<utf8proc_int32_t>(s.tmp_cp[k]))->combining_class;
          };
          if (ccc(i) == 0) {
            ++i;
            continue;
          }
          size_t j = i;
          while (j < n2 && ccc(j) != 0) ++j;
          if (j - i > 1) {
            std::vector<std::pair<char32_t, uint32_t>> run;
            for (size_t k = i; k < j; ++k) run.emplace_back(s.tmp_cp[k], s.tmp_orig[k]);
            std::stable_sort(run.begin(), run.end(), [](auto& a, auto& b) {
              return utf8proc_get_property(static_cast<utf8proc_int32_t>(a.first))->combining_class <
                     utf8proc_get_property(static_cast<utf8proc_int32_t>(b.first))->combining_class;
            });
            for (size_t k = i; k < j; ++k) s.tmp_cp[k] = run[k - i].first, s.tmp_orig[k] = run[k - i].second;
          }
          i = j;
        }
        size_t w = 0;
        for (size_t k = 0; k < n2; ++k) {
          if (s.tmp_cp[k] >= 0x300 && category(s.tmp_cp[k]) == UTF8PROC_CATEGORY_MN) continue;
          s.tmp_cp[w] = s.tmp_cp[k];
          s.tmp_orig[w] = s.tmp_orig[k];
          ++w;
        }
        s.tmp_cp.resize(w);
        s.tmp_orig.resize(w);
      }
      cps = &s.tmp_cp;
      origs = &s.tmp_orig;
    }
    const size_t n = cps->size();
    if (s.word_ascii) {
      for (size_t i = 0; i < n; ++i) {
        char32_t cp = (*cps)[i];
        if (kAscii.cls[cp] == kPunct) {
          s.end_token();
          s.push(cp, (*origs)[i]);
          s.end_token();
        } else {
          if (lower && cp >= 'A' && cp <= 'Z') cp += 32;
          s.push(cp, (*origs)[i]);
        }
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        char32_t cp = (*cps)[i];
        if (is_punct(cp)) {
          s.end_token();
          s.push(cp, (*origs)[i]);
          s.end_token();
        } else {
          s.push(cp, (*origs)[i]);
        }
      }
    }
    s.end_token();
    s.wcp.clear();
    s.worig.clear();
    s.word_ascii = true;
  };

  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  uint32_t index = 0;  // character index in the input
  for (size_t i = 0; i < n; ++index) {
    char32_t cp;
    uint8_t cls;
    if (p[i] < 0x80) {
      cp = p[i++];
      cls = kAscii.cls[cp];
    } else {
      size_t len = decode(p, n, i, cp);
      if (len == 0) throw InputError("", fmt::format("the text is not valid UTF-8 (byte {})", i));
      i += len;
      cls = classify(cp);
      if (cls == kOther && is_cjk(cp)) {
        flush_word();
        s.wcp.push_back(cp);
        s.worig.push_back(index);
        s.word_ascii = false;
        flush_word();
        continue;
      }
      if (cls != kSpace && cls != kRemove) s.word_ascii = false;
    }
    if (cls == kRemove) continue;
    if (cls == kSpace) {
      flush_word();
      continue;
    }
    s.wcp.push_back(cp);
    s.worig.push_back(index);
  }
  flush_word();

  if (basic) {
    for (const auto& sp : s.spans)
      basic->push_back({s.bytes.substr(s.cp_byte[sp.begin], s.cp_byte[sp.end] - s.cp_byte[sp.begin]),
                        s.cp_orig[sp.begin], s.cp_orig[sp.end - 1] + 1});
    return;
  }

  // WordPiece: greedy longest match first; a word it cannot cover, or one longer than
  // max_chars_per_word, becomes one [UNK].
  int32_t next_word = 0;
  if (word_id < 0) {
    // raw text: word ids count basic tokens, continuing after what `out` already holds
    for (auto w : out.word_ids) next_word = std::max(next_word, w + 1);
  }
  for (const auto& sp : s.spans) {
    const int32_t wid = word_id >= 0 ? word_id : next_word++;
    const size_t before = out.ids.size();
    bool bad = sp.end - sp.begin > options_.max_chars_per_word;
    const uint32_t span_end_byte = s.cp_byte[sp.end];
    for (uint32_t start = sp.begin; !bad && start < sp.end;) {
      const uint32_t b0 = s.cp_byte[start];
      size_t len = 0;
      const int32_t found = vocab_.longest_prefix(std::string_view(s.bytes.data() + b0, span_end_byte - b0),
                                                  start != sp.begin, len);
      if (found < 0) {
        bad = true;
        break;
      }
      uint32_t end = start + 1;
      while (s.cp_byte[end] < b0 + len) ++end;
      out.ids.push_back(found);
      out.offsets.emplace_back(s.cp_orig[start], s.cp_orig[end - 1] + 1);
      out.word_ids.push_back(wid);
      start = end;
    }
    if (bad) {
      out.ids.resize(before);
      out.offsets.resize(before);
      out.word_ids.resize(before);
      out.ids.push_back(vocab_.unk_id());
      out.offsets.emplace_back(s.cp_orig[sp.begin], s.cp_orig[sp.end - 1] + 1);
      out.word_ids.push_back(wid);
    }
  }
}

std::vector<BasicToken> BertTokenizer::basic_tokenize(std::string_view text) const {
  std::vector<BasicToken> out;
  Encoding unused;
  run(text, -1, unused, &out);
  return out;
}

void BertTokenizer::encode_into(std::string_view text, Encoding& out) const { run(text, -1, out, nullptr); }

namespace {
void finish(Encoding& e, const Vocab& v, bool add_special, size_t max_length) {
  const size_t room = max_length == 0 ? SIZE_MAX : (add_special ? (max_length >= 2 ? max_length - 2 : 0) : max_length);
  if (e.ids.size() > room) {
    e.ids.resize(room);
    e.offsets.resize(room);
    e.word_ids.resize(room);
  }
  if (!add_special) return;
  if (v.cls_id() < 0 || v.sep_id() < 0)
    throw InputError("vocabulary", "the vocabulary has no [CLS] or [SEP] token");
  e.ids.insert(e.ids.begin(), v.cls_id());
  e.offsets.insert(e.offsets.begin(), {0, 0});
  e.word_ids.insert(e.word_ids.begin(), -1);
  e.ids.push_back(v.sep_id());
  e.offsets.emplace_back(0, 0);
  e.word_ids.push_back(-1);
}
}  // namespace

Encoding BertTokenizer::encode(std::string_view text, bool add_special, size_t max_length) const {
  Encoding e;
  run(text, -1, e, nullptr);
  finish(e, vocab_, add_special, max_length);
  return e;
}

Encoding BertTokenizer::encode_words(const std::vector<std::string>& words, bool add_special,
                                     size_t max_length) const {
  Encoding e;
  // Offsets of pre-split input count characters within each word.
  for (size_t w = 0; w < words.size(); ++w) run(words[w], static_cast<int32_t>(w), e, nullptr);
  finish(e, vocab_, add_special, max_length);
  return e;
}

std::vector<std::string> BertTokenizer::tokens(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (auto id : ids) out.push_back(vocab_.token(id));
  return out;
}

}  // namespace xinzhi::text
