// Training and evaluation data files for text models: CoNLL and character-per-line tag files
// (NER), and CSV / TSV / JSON Lines of texts with a label, several labels or a number. Tags are
// normalised to IOB2 (IOB1 and BMES/BIOES are converted) so that every report sees one scheme.
#pragma once

#include <string>
#include <vector>

#include "text/data/data_set.hpp"
#include "text/model/model_config.hpp"

namespace xinzhi::text {

// Word in the first column, tag in the last; blank lines between sentences; -DOCSTART- lines
// are skipped. Invalid UTF-8 or a line without a tag is an InputError with file:line.
std::vector<TaggedSentence> read_tagged(const std::string& path);
// IOB1 -> IOB2 and BMES/BIOES -> IOB2 in place (same entity spans).
void to_iob2(std::vector<std::string>& tags);

// .jsonl: {"text": ..., "label": "x"} or {"labels": [...]} or {"value": 1.5};
// .tsv: text<TAB>label (labels separated by '|' when several); .csv: a header naming `text`
// and `label`/`labels`/`value` columns (RFC 4180 quoting).
std::vector<TextRecord> read_text_records(const std::string& path);

// The file as the data of a model for `task`: tagged sentences for ner, and for masked LM on a
// file whose extension says tagged words (.txt, .conll, .bio, .bmes, .iob); text records
// otherwise. Its origin is the path.
TextData read_text_data(const std::string& path, Task task);

}  // namespace xinzhi::text
