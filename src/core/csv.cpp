#include "core/csv.hpp"

namespace xinzhi {

bool split_csv(std::string_view line, std::vector<std::string_view>& fields, std::string& storage, CsvDialect dialect) {
  const char sep = dialect.separator;
  fields.clear();
  if (line.find('"') == std::string_view::npos) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(sep, start);
      if (comma == std::string_view::npos) {
        fields.push_back(line.substr(start));
        return true;
      }
      fields.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
  }
  // Quoted fields: their text goes into storage, sized up front so that the views stay valid.
  storage.clear();
  storage.reserve(line.size());
  std::size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      const std::size_t begin = storage.size();
      ++i;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            storage.push_back('"');
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          storage.push_back(line[i++]);
        }
      }
      if (dialect.text_after_quote)
        while (i < line.size() && line[i] != sep) storage.push_back(line[i++]);
      fields.emplace_back(storage.data() + begin, storage.size() - begin);
      if (i == line.size()) return true;
      if (line[i] != sep) return false;
      ++i;
    } else {
      const std::size_t comma = line.find(sep, i);
      const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
      fields.push_back(line.substr(i, end - i));
      if (comma == std::string_view::npos) return true;
      i = comma + 1;
    }
  }
}

bool split_csv(std::string_view line, std::vector<std::string>& fields, CsvDialect dialect) {
  std::vector<std::string_view> views;
  std::string storage;
  fields.clear();
  if (!split_csv(line, views, storage, dialect)) return false;
  fields.assign(views.begin(), views.end());
  return true;
}

std::string csv_quote(std::string_view s, char sep) {
  if (s.find_first_of(std::string{sep, '"', '\n', '\r'}) == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace xinzhi
