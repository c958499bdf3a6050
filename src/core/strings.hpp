// Small text helpers every parser shares.
#pragma once

#include <string>
#include <string_view>

namespace xinzhi {

// s without leading and trailing spaces, tabs, carriage returns and line feeds.
inline std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// 'text' for a message, cut to max_chars bytes with "..." (a hostile input is not echoed whole).
std::string quoted_excerpt(std::string_view text, std::size_t max_chars = 40);

}  // namespace xinzhi
