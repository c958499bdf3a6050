// The maintenance logs of one language as the log models train and test on them, built in
// memory from warehouse records: per split (train, dev, test), the classifier's records (text
// and fault category) and the tagger's BIO sentences (the log's words, text/data/words.hpp,
// tagged from its entity spans). Dev and test records with a category or entity type that
// training lacks, and records whose entity span cuts a word, are left out and counted.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "store/warehouse.hpp"
#include "text/data/data_set.hpp"

namespace xinzhi::text {

struct LogSplits {
  std::string lang;
  std::map<std::string, size_t> records;   // per split, every record of the language
  std::map<std::string, size_t> left_out;  // reason ("test: category not in training", ...) -> records
  std::map<std::string, TextData> classified;  // per split: what the fault-category classifier sees
  std::map<std::string, TextData> tagged;      // per split: what the entity tagger sees
  std::map<std::string, size_t> train_label_count;  // category -> training records
};

// recs: the records of language `lang`, in warehouse order. An InputError names a record with
// an unknown split, entities that are not a list of [start, end, type] or text that is not
// UTF-8, and a language without training or test records.
LogSplits split_logs(const std::vector<const store::TextRecord*>& recs, const std::string& lang);

// The splits as files under `dir`, for `xinzhi text eval MODEL FILE`: <split>.<lang>.jsonl
// (the classifier's records) and <split>.<lang>.bio (the tagger's sentences). Nothing reads
// them back: the models train on the splits in memory.
void write_split_files(const LogSplits& splits, const std::string& dir);

}  // namespace xinzhi::text
