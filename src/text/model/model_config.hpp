// The configuration of a BERT model and its task head, read from and written to a Hugging
// Face config.json (same keys; xinzhi's own settings under "xinzhi"), with size presets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace xinzhi::text {

enum class Task {
  sequence_classification,  // one label per text (softmax)
  multi_label,              // several labels per text (sigmoid)
  regression,               // one number per text
  token_classification,     // one label per word (softmax or CRF)
  masked_lm,                // pretraining on a corpus
};

const char* task_name(Task t);
Task parse_task(const std::string& name);  // UsageError when unknown

struct ModelConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 256;
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;
  int64_t intermediate_size = 1024;
  std::string hidden_act = "gelu";
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  int64_t pad_token_id = 0;

  Task task = Task::token_classification;
  std::vector<std::string> labels;  // id2label in id order
  bool crf = false;                 // token classification: a CRF layer over the word labels
  bool lowercase = false;           // the tokenizer lowercases and strips accents
  // NER input features (kept in config.json's "xinzhi" section so eval/predict do the same):
  bool word_shape = false;          // token type ids carry each word's shape (type_vocab_size = kWordShapes)
  bool document_context = false;    // sentences of a document are joined into passages

  int64_t num_labels() const { return task == Task::regression ? 1 : static_cast<int64_t>(labels.size()); }
  // "tiny", "mini", "small", "base" (Google's BERT sizes); UsageError when unknown.
  static ModelConfig preset(const std::string& name);
  // config.json text; parse() is strict about types and names the key on error.
  std::string to_json() const;
  static ModelConfig parse(const std::string& json_text, const std::string& origin);
  void validate(const std::string& origin) const;
};

}  // namespace xinzhi::text
