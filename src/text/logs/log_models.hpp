// The log models of the pipeline's text stage and of `xinzhi text logs`: per language of the
// technicians' maintenance logs, a fault-category classifier (sequence classification) and an
// entity tagger (token classification, CRF optional) trained from scratch on the train split,
// the best epoch on dev kept, and both tested on the test split, whose sentence templates
// training never saw: accuracy, macro-F1 and the per-class report next to the majority-class
// baseline; token-level and entity-level reports. The records come from the warehouse in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/warehouse.hpp"

namespace xinzhi::text {

// The settings, named as the text stage's keys (the command's options are these with '-').
struct LogModelSettings {
  std::string size = "tiny";           // preset: tiny, mini, small or base
  int64_t hidden = 0, layers = 0, heads = 0;  // 0: the preset's
  size_t vocab_size = 2000;
  bool uncased = true;
  size_t max_length = 128;
  int epochs = 12;
  double lr = 2e-3;
  size_t batch_size = 32;
  // Each input token masked with this probability in training: makes the models find
  // categories and entities from the context, which is what sentence templates never seen in
  // training share.
  double token_dropout = 0;
  // The entity tagger only: the tokens of entity words are masked with this (higher)
  // probability, so it learns to find names from their context. Off unless given: on the
  // demo's logs (a 64-wide, 1-layer tagger) 0.3 and 0.5 lowered entity F1 (en 0.697 -> 0.639 /
  // 0.556, zh 0.383 -> 0.286 / 0.361), unlike BERT-mini on CoNLL-2003, where 0.7 gave the best
  // dev and test.
  std::optional<double> entity_dropout;
  // Models this small train fastest on one thread: two threads were 3x slower on the shared
  // 2-core machine (libtorch's workers wait for cores that other work holds).
  int threads = 1;
  uint64_t seed = 42;
  bool crf = true;
  std::vector<std::string> languages;  // empty: every language present
  std::string languages_place = "languages";  // where messages about `languages` point
};

// Checks the settings in the order of the stage's keys; calls fail(key, why) for the first bad
// one (fail throws: an InputError at the key).
void check(const LogModelSettings& settings, const std::function<void(const std::string& key, const std::string& why)>& fail);

struct LogModelsReport {
  nlohmann::json metrics;    // the text stage's metrics.json figures
  std::string html;          // its report section
  std::string summary;       // one line: per language accuracy, baseline and entity F1
  std::string models_dir;    // out_dir/models: text-<lang>-fault-classifier, text-<lang>-entity-tagger
};

// Trains and tests the models of every language into out_dir/models/ (Hugging Face folders;
// each appears whole or not at all) and writes the splits under out_dir/text/ (for `xinzhi
// text eval`; training never reads them). No records: an InputError saying so.
LogModelsReport train_log_models(const std::vector<store::TextRecord>& records, const LogModelSettings& settings,
                                 const std::string& out_dir);

}  // namespace xinzhi::text
