// A data set in memory, as a model trains or is evaluated on it: tagged sentences (ner, or
// masked LM on pre-split words) or text records (classification, multi-label, regression,
// masked LM on texts). Files are read into it by data_files.hpp; the log models build it from
// warehouse records (text/logs/); the training driver and the evaluation take it as it is.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xinzhi::text {

struct TaggedSentence {
  std::vector<std::string> words, tags;  // tags in IOB2
  std::string place;      // where its first word came from (file:line), for messages
  int32_t document = -1;  // index of its -DOCSTART- document in the file; -1 when the file marks none
};

struct TextRecord {
  std::string text;
  std::vector<std::string> labels;  // one for classification, several for multi-label
  double value = NAN;               // regression target
  std::string place;                // where it came from (file:line), for messages
};

struct TextData {
  std::vector<TaggedSentence> sentences;  // the data when tagged
  std::vector<TextRecord> records;        // the data otherwise
  bool tagged = false;
  std::string origin;  // what messages call the whole set: its file, or where it was built from
  size_t size() const { return tagged ? sentences.size() : records.size(); }
  bool empty() const { return size() == 0; }
};

}  // namespace xinzhi::text
