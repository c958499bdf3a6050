#include "text/data/word_shape.hpp"

#include <utf8proc.h>

namespace xinzhi::text {

WordShape word_shape(std::string_view word) {
  int upper = 0, lower = 0, other_letter = 0, digit = 0, letters = 0;
  bool first_upper = false;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(word.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(word.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return kShapePunct;  // not UTF-8: callers validate text first
    p += n, left -= n;
    switch (utf8proc_category(cp)) {
      case UTF8PROC_CATEGORY_LU:
      case UTF8PROC_CATEGORY_LT:
        if (letters == 0) first_upper = true;
        ++upper, ++letters;
        break;
      case UTF8PROC_CATEGORY_LL:
        ++lower, ++letters;
        break;
      case UTF8PROC_CATEGORY_LO:
      case UTF8PROC_CATEGORY_LM:
        ++other_letter, ++letters;
        break;
      case UTF8PROC_CATEGORY_ND:
      case UTF8PROC_CATEGORY_NL:
      case UTF8PROC_CATEGORY_NO:
        ++digit;
        break;
      default:
        break;
    }
  }
  if (digit > 0) return kShapeNumeric;
  if (letters == 0) return kShapePunct;
  if (upper == 0 && lower == 0) return kShapeUncased;
  if (upper == 0) return kShapeLower;
  if (lower == 0) return upper == 1 ? kShapeInitial : kShapeAllCaps;
  if (first_upper && upper == 1) return kShapeCapitalised;
  return kShapeMixed;
}

}  // namespace xinzhi::text
