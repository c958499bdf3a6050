// A model folder in the Hugging Face layout (config.json, vocab.txt, tokenizer_config.json,
// model.safetensors): its tokenizer, and everything training needs to start from it (--init).
// Model::load (model.hpp) reads a folder's model to use it. torch-free.
#pragma once

#include <string>
#include <vector>

#include "text/model/model_config.hpp"
#include "text/model/safetensors.hpp"
#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::text {

// A model folder's tokenizer (vocab.txt, casing from config.json / tokenizer_config.json).
BertTokenizer load_tokenizer(const std::string& folder, const ModelConfig& config);
// Writes vocab.txt and tokenizer_config.json next to a model.
void save_tokenizer(const std::string& folder, const BertTokenizer& tok);

// A trained model to start training from: its encoder's weights and the tokenizer they go with
// (its vocabulary and options: a BertTokenizer is built from them, as it cannot be copied).
struct PretrainedModel {
  std::string folder;  // where it was read from, for messages
  ModelConfig config;
  Vocab vocab;
  TokenizerOptions tokenizer_options;
  std::vector<NamedTensor> weights;
};
PretrainedModel load_pretrained(const std::string& folder);

}  // namespace xinzhi::text
