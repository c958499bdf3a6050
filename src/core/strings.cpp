#include "core/strings.hpp"

#include "core/utf8.hpp"

namespace xinzhi {

std::string quoted_excerpt(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return "'" + std::string(text) + "'";
  std::size_t cut = max_chars;
  // Do not cut a UTF-8 sequence in half.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(text.substr(0, cut)) + "...'";
}

}  // namespace xinzhi
