#include "text/data/data_files.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/utf8.hpp"

namespace xinzhi::text {

namespace {

// The lines of a data file, each checked to be UTF-8 (an InputError at file:line:column).
template <class F>
void for_each_text_line(const std::string& path, const std::string& content, F f) {
  for_each_line(content, [&](long line, std::string_view s) {
    size_t bad = 0;
    if (!valid_utf8(s, &bad)) throw InputError(place(path, line, static_cast<long>(bad + 1)), "the text is not valid UTF-8");
    f(s, line);
  });
}

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Whether a file holds tagged words by its extension: how masked LM, which trains on either,
// tells the two apart.
bool is_tagged_file(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  return ext == ".txt" || ext == ".conll" || ext == ".bio" || ext == ".bmes" || ext == ".iob";
}

}  // namespace

void to_iob2(std::vector<std::string>& tags) {
  bool bmes = false;
  for (auto& t : tags)
    if (t.size() > 2 && t[1] == '-' && (t[0] == 'M' || t[0] == 'E' || t[0] == 'S')) bmes = true;
  if (bmes)
    for (auto& t : tags) {
      if (t.size() > 2 && t[1] == '-') {
        if (t[0] == 'S') t[0] = 'B';
        else if (t[0] == 'M' || t[0] == 'E') t[0] = 'I';
      }
    }
  for (size_t i = 0; i < tags.size(); ++i) {
    auto& t = tags[i];
    if (t.size() > 2 && t[0] == 'I' && t[1] == '-') {
      const std::string type = t.substr(2);
      const bool continues = i > 0 && tags[i - 1].size() > 2 && tags[i - 1].substr(2) == type &&
                             (tags[i - 1][0] == 'B' || tags[i - 1][0] == 'I');
      if (!continues) t[0] = 'B';
    }
  }
}

std::vector<TaggedSentence> read_tagged(const std::string& path) {
  const std::string content = read_file(path);
  std::vector<TaggedSentence> out;
  TaggedSentence cur;
  int32_t document = -1;
  auto flush = [&] {
    if (!cur.words.empty()) {
      to_iob2(cur.tags);
      cur.document = document;
      out.push_back(std::move(cur));
    }
    cur = TaggedSentence{};
  };
  for_each_text_line(path, content, [&](std::string_view line, long n) {
    auto cols = split_ws(line);
    if (cols.empty()) return flush();
    if (cols[0] == "-DOCSTART-") {
      flush();
      ++document;
      return;
    }
    if (cols.size() < 2) throw InputError(place(path, n), "a word without a tag (expected 'WORD ... TAG')");
    if (cur.words.empty()) cur.place = place(path, n);
    cur.words.push_back(cols.front());
    cur.tags.push_back(cols.back());
  });
  flush();
  return out;
}

namespace {

// A row of a records CSV: core's splitter, keeping text after a closing quote as spreadsheets do.
std::vector<std::string> parse_csv_row(std::string_view line, const std::string& where) {
  std::vector<std::string> out;
  if (!split_csv(line, out, CsvDialect{',', /*text_after_quote=*/true})) throw InputError(where, "unterminated quoted field");
  return out;
}

std::vector<std::string> split_labels(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t bar = s.find('|', pos);
    if (bar == std::string::npos) bar = s.size();
    std::string l = s.substr(pos, bar - pos);
    if (!l.empty()) out.push_back(l);
    pos = bar + 1;
  }
  return out;
}

double parse_number(const std::string& s, const std::string& where) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v)) throw InputError(where, fmt::format("'{}' is not a number", s));
  return v;
}

}  // namespace

std::vector<TextRecord> read_text_records(const std::string& path) {
  const std::string content = read_file(path);
  std::vector<TextRecord> out;
  auto ends = [&](const char* ext) {
    std::string e = ext;
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".jsonl") || ends(".json")) {
    for_each_text_line(path, content, [&](std::string_view line, long n) {
      if (line.find_first_not_of(" \t") == std::string_view::npos) return;
      const std::string where = place(path, n);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        throw InputError(where, "not a JSON object");
      }
      if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
        throw InputError(where, "each line needs a \"text\" string");
      TextRecord r;
      r.text = j["text"];
      r.place = where;
      if (j.contains("label")) {
        if (j["label"].is_string()) r.labels.push_back(j["label"]);
        else if (j["label"].is_number()) r.value = j["label"].get<double>();
        else throw InputError(where + ": label", "must be a string or a number");
      }
      if (j.contains("labels")) {
        if (!j["labels"].is_array()) throw InputError(where + ": labels", "must be a list of strings");
        for (auto& l : j["labels"]) {
          if (!l.is_string()) throw InputError(where + ": labels", "must be a list of strings");
          r.labels.push_back(l);
        }
      }
      if (j.contains("value")) {
        if (!j["value"].is_number()) throw InputError(where + ": value", "must be a number");
        r.value = j["value"];
      }
      out.push_back(std::move(r));
    });
  } else if (ends(".csv")) {
    std::vector<std::string> header;
    int text_col = -1, label_col = -1, value_col = -1;
    bool multi = false;
    for_each_text_line(path, content, [&](std::string_view line, long n) {
      const std::string where = place(path, n);
      if (header.empty()) {
        header = parse_csv_row(line, where);
        for (size_t i = 0; i < header.size(); ++i) {
          if (header[i] == "text") text_col = static_cast<int>(i);
          if (header[i] == "label") label_col = static_cast<int>(i);
          if (header[i] == "labels") label_col = static_cast<int>(i), multi = true;
          if (header[i] == "value") value_col = static_cast<int>(i);
        }
        if (text_col < 0) throw InputError(where, "the CSV header has no 'text' column");
        return;
      }
      if (line.empty()) return;
      auto row = parse_csv_row(line, where);
      if (row.size() != header.size())
        throw InputError(where, fmt::format("{} fields, the header has {}", row.size(), header.size()));
      TextRecord r;
      r.place = where;
      r.text = row[static_cast<size_t>(text_col)];
      if (label_col >= 0) {
        if (multi) r.labels = split_labels(row[static_cast<size_t>(label_col)]);
        else r.labels.push_back(row[static_cast<size_t>(label_col)]);
      }
      if (value_col >= 0) r.value = parse_number(row[static_cast<size_t>(value_col)], where + ": value");
      out.push_back(std::move(r));
    });
  } else {  // TSV: text<TAB>label
    for_each_text_line(path, content, [&](std::string_view line, long n) {
      if (line.empty()) return;
      const std::string where = place(path, n);
      auto tab = line.rfind('\t');
      if (tab == std::string_view::npos) throw InputError(where, "expected TEXT<TAB>LABEL");
      TextRecord r;
      r.place = where;
      r.text = std::string(line.substr(0, tab));
      r.labels = split_labels(std::string(line.substr(tab + 1)));
      out.push_back(std::move(r));
    });
  }
  return out;
}

TextData read_text_data(const std::string& path, Task task) {
  TextData d;
  d.origin = path;
  d.tagged = task == Task::token_classification || (task == Task::masked_lm && is_tagged_file(path));
  if (d.tagged) d.sentences = read_tagged(path);
  else d.records = read_text_records(path);
  return d;
}

}  // namespace xinzhi::text
