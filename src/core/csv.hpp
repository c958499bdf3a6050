// The one CSV splitter (RFC 4180: fields separated by commas, optionally in double quotes with
// "" for a quote inside) and the writer's quoting, plus the line walk every text reader uses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace xinzhi {

// How a CSV file may bend RFC 4180: text after a field's closing quote (`"fuse blown" ,x`, as
// spreadsheets write) kept as part of the field instead of refusing the line.
struct CsvDialect {
  char separator = ',';
  bool text_after_quote = false;
};

// Splits one line into fields. Fields without quotes are views into line; unquoted text of
// quoted fields goes into storage (cleared first, reserved so that the views stay valid).
// False when a quote is unbalanced or (unless the dialect allows it) a quoted field is followed
// by anything but the separator.
bool split_csv(std::string_view line, std::vector<std::string_view>& fields, std::string& storage,
               CsvDialect dialect = {});

// The same with owned fields, for readers off the hot path. False as above.
bool split_csv(std::string_view line, std::vector<std::string>& fields, CsvDialect dialect = {});

// A field as CSV writes it: quoted when it holds the separator, a quote or a line break.
std::string csv_quote(std::string_view field, char separator = ',');

// Calls fn(line_number, line) for every line of text: 1-based numbers, the line without its
// "\n" or "\r\n"; a last line without a newline is passed too (when not empty). fn returns
// nothing, or false to stop.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  long number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    if constexpr (std::is_same_v<decltype(fn(number, line)), bool>) {
      if (!fn(number, line)) return;
    } else {
      fn(number, line);
    }
  }
}

}  // namespace xinzhi
