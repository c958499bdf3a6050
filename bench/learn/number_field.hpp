// A number field of a public data set's line, read whole and finite, or an InputError naming
// file:line and the field (field: 0-based). Shared by the readers in bench/learn/<name>/.
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace xinzhi::bench {

inline double number_field(std::string_view f, const std::string& path, long line, std::size_t field) {
  double v = 0;
  const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (f.empty() || ec != std::errc() || end != f.data() + f.size() || !std::isfinite(v))
    throw InputError(place(path, line), fmt::format("field {} is not a number: {}", field + 1, quoted_excerpt(f)));
  return v;
}

}  // namespace xinzhi::bench
