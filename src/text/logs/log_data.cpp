#include "text/logs/log_data.hpp"

#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/utf8.hpp"
#include "text/data/data_files.hpp"
#include "text/data/words.hpp"

namespace xinzhi::text {

namespace {

struct Span {
  int start, end;  // code points, [start, end)
  std::string type;
};

std::string place_of(const store::TextRecord& r) { return "warehouse text_records " + r.record_id; }

std::vector<Span> parse_spans(const store::TextRecord& r) {
  const std::string where = place_of(r);
  const auto j = nlohmann::json::parse(r.entities_json, nullptr, false);
  if (j.is_discarded()) throw InputError(where, "entities: not valid JSON");
  std::vector<Span> out;
  if (!j.is_array()) throw InputError(where, "entities: expected a list of [start, end, type]");
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_number_integer() || !e[1].is_number_integer() || !e[2].is_string() ||
        e[0].get<int>() < 0 || e[1].get<int>() <= e[0].get<int>())
      throw InputError(where, "entities: each must be [start, end, type] with 0 <= start < end");
    out.push_back({e[0].get<int>(), e[1].get<int>(), e[2].get<std::string>()});
  }
  return out;
}

// BIO tags over the log's words; no sentence (empty words) when an entity span cuts a word:
// such a record cannot be tagged word by word.
TaggedSentence bio_of(const store::TextRecord& r) {
  const std::vector<Span> spans = parse_spans(r);
  TaggedSentence s;
  s.place = place_of(r);
  for (const auto& w : log_words(r.text, r.lang)) {
    std::string tag = "O";
    for (const auto& e : spans) {
      if (w.start >= e.end || w.end <= e.start) continue;
      if (w.start < e.start || w.end > e.end) return TaggedSentence{};
      tag = (w.start == e.start ? "B-" : "I-") + e.type;
    }
    s.words.push_back(w.text);
    s.tags.push_back(std::move(tag));
  }
  to_iob2(s.tags);  // as a reader of the sentence in a BIO file would see it
  return s;
}

TextRecord classified_record(const store::TextRecord& r) {
  TextRecord out;
  out.text = r.text;
  out.labels = {r.label};
  out.place = place_of(r);
  return out;
}

}  // namespace

LogSplits split_logs(const std::vector<const store::TextRecord*>& recs, const std::string& lang) {
  LogSplits out;
  out.lang = lang;
  std::map<std::string, std::vector<const store::TextRecord*>> split;
  for (const store::TextRecord* r : recs) {
    if (r->split != "train" && r->split != "dev" && r->split != "test")
      throw InputError("record " + r->record_id, fmt::format("unknown split '{}' (train, dev or test)", r->split));
    if (!valid_utf8(r->text)) throw InputError(place_of(*r), "the text is not valid UTF-8");
    split[r->split].push_back(r);
    ++out.records[r->split];
  }
  if (split["train"].empty()) throw InputError("text", fmt::format("no training records in language '{}'", lang));
  if (split["test"].empty()) throw InputError("text", fmt::format("no test records in language '{}'", lang));
  for (const char* name : {"train", "dev", "test"}) {
    out.classified[name].origin = fmt::format("warehouse text_records ({}, {})", lang, name);
    out.tagged[name].origin = out.classified[name].origin;
    out.tagged[name].tagged = true;
  }
  // Labels and tags that training has: test or dev records with others cannot be scored by
  // these models and are left out (counted).
  std::set<std::string> train_labels, train_tags;
  for (const store::TextRecord* r : split["train"]) {
    train_labels.insert(r->label), ++out.train_label_count[r->label];
    out.classified["train"].records.push_back(classified_record(*r));
    TaggedSentence bio = bio_of(*r);
    if (bio.words.empty()) {
      ++out.left_out["train: entity span cuts a token"];
      continue;
    }
    train_tags.insert(bio.tags.begin(), bio.tags.end());
    out.tagged["train"].sentences.push_back(std::move(bio));
  }
  for (const char* name : {"dev", "test"}) {
    for (const store::TextRecord* r : split[name]) {
      if (train_labels.count(r->label)) out.classified[name].records.push_back(classified_record(*r));
      else ++out.left_out[fmt::format("{}: category not in training", name)];
      TaggedSentence bio = bio_of(*r);
      bool known = !bio.words.empty();
      if (bio.words.empty()) ++out.left_out[fmt::format("{}: entity span cuts a token", name)];
      for (const auto& t : bio.tags) known = known && train_tags.count(t);
      if (!bio.words.empty() && !known) ++out.left_out[fmt::format("{}: entity type not in training", name)];
      if (known) out.tagged[name].sentences.push_back(std::move(bio));
    }
  }
  return out;
}

void write_split_files(const LogSplits& splits, const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto file = [&](const std::string& name, const char* ext) {
    return (std::filesystem::path(dir) / fmt::format("{}.{}.{}", name, splits.lang, ext)).string();
  };
  for (const char* name : {"train", "dev", "test"}) {
    std::string jsonl, bio;
    for (const TextRecord& r : splits.classified.at(name).records)
      jsonl += nlohmann::json{{"text", r.text}, {"label", r.labels[0]}}.dump() + "\n";
    for (const TaggedSentence& sent : splits.tagged.at(name).sentences) {
      for (size_t i = 0; i < sent.words.size(); ++i) bio += sent.words[i] + " " + sent.tags[i] + "\n";
      bio += "\n";
    }
    write_file_atomic(file(name, "jsonl"), jsonl);
    write_file_atomic(file(name, "bio"), bio);
  }
}

}  // namespace xinzhi::text
