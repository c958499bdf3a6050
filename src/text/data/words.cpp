#include "text/data/words.hpp"

#include <algorithm>
#include <cstddef>

namespace xinzhi::text {

std::vector<LogWord> log_words(const std::string& text, const std::string& lang) {
  // Decode to code points with their byte ranges.
  struct Cp {
    char32_t c;
    std::size_t b0, b1;
  };
  std::vector<Cp> cps;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t v = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (std::size_t k = 1; k < len && i + k < text.size(); ++k) v = (v << 6) | (text[i + k] & 0x3F);
    cps.push_back({v, i, std::min(text.size(), i + len)});
    i += len;
  }
  auto is_space = [](char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == 0x3000; };
  auto is_word = [](char32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto is_digit = [](char32_t c) { return c >= '0' && c <= '9'; };
  std::vector<LogWord> out;
  const int n = static_cast<int>(cps.size());
  for (int i = 0; i < n;) {
    if (is_space(cps[i].c)) {
      ++i;
      continue;
    }
    int j = i + 1;
    if (lang != "zh" && is_word(cps[i].c)) {
      while (j < n && (is_word(cps[j].c) ||
                       (cps[j].c == '.' && j + 1 < n && is_digit(cps[j - 1].c) && is_digit(cps[j + 1].c))))
        ++j;
    }
    out.push_back({text.substr(cps[i].b0, cps[j - 1].b1 - cps[i].b0), i, j});
    i = j;
  }
  return out;
}

}  // namespace xinzhi::text
