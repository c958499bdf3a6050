// Training and evaluation data for text models: CoNLL and character-per-line tag files (NER),
// and CSV / TSV / JSON Lines of texts with a label, several labels or a number. Tags are
// normalised to IOB2 (IOB1 and BMES/BIOES are converted) so that every report sees one scheme.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace xinzhi::text {

struct TaggedSentence {
  std::vector<std::string> words, tags;
  std::string place;  // file:line of its first word
  int32_t document = -1;  // index of its -DOCSTART- document in the file; -1 when the file marks none
};

// Word in the first column, tag in the last; blank lines between sentences; -DOCSTART- lines
// are skipped. Invalid UTF-8 or a line without a tag is an InputError with file:line.
std::vector<TaggedSentence> read_tagged(const std::string& path);
// IOB1 -> IOB2 and BMES/BIOES -> IOB2 in place (same entity spans).
void to_iob2(std::vector<std::string>& tags);

struct TextRecord {
  std::string text;
  std::vector<std::string> labels;  // one for classification, several for multi-label
  double value = NAN;               // regression target
  std::string place;
};

// .jsonl: {"text": ..., "label": "x"} or {"labels": [...]} or {"value": 1.5};
// .tsv: text<TAB>label (labels separated by '|' when several); .csv: a header naming `text`
// and `label`/`labels`/`value` columns (RFC 4180 quoting).
std::vector<TextRecord> read_text_records(const std::string& path);

}  // namespace xinzhi::text
