// UTF-8 validation, the one check every reader of outside text uses (landing rows, MQTT
// payloads, text data, model inputs): overlong forms, surrogates and code points past U+10FFFF
// are invalid, as the Unicode standard defines.
#pragma once

#include <cstddef>
#include <string_view>

namespace xinzhi {

// Position of the first byte that does not start a valid UTF-8 sequence, or npos.
std::size_t invalid_utf8_at(std::string_view s);

// True when s is valid UTF-8; otherwise *bad_byte (when given) is invalid_utf8_at(s).
inline bool valid_utf8(std::string_view s, std::size_t* bad_byte = nullptr) {
  const std::size_t at = invalid_utf8_at(s);
  if (at == std::string_view::npos) return true;
  if (bad_byte) *bad_byte = at;
  return false;
}

}  // namespace xinzhi
