// The one text-training driver: from training (and dev) data already in memory and the
// settings, the labels, the tokenizer (a given vocabulary, one built from the training text, or
// a pretrained model's), a new model (or one started from pretrained weights), the encoded
// examples and the model-derived batch options, then training with the best checkpoint on dev
// kept. `xinzhi text train`, `xinzhi text tune` and the log models (text/logs/) all train here,
// so that no option can reach one of them and miss another. Reading files is the callers' work;
// the trainer writes its checkpoints under settings.train.out_dir (best/, last/).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "text/data/data_set.hpp"
#include "text/data/labels.hpp"
#include "text/evaluate/evaluation.hpp"
#include "text/model/model.hpp"
#include "text/model/model_folder.hpp"
#include "text/tokenize/tokenizer.hpp"
#include "text/train/trainer.hpp"

namespace xinzhi::text {

struct TrainSettings {
  Task task = Task::token_classification;
  // A new model's shape: a preset, each size overriding it when above 0 (hidden also sets the
  // feed-forward size to 4x unless intermediate is given); dropout -1: the preset's.
  std::string size = "mini";
  int64_t hidden = 0, layers = 0, heads = 0, intermediate = 0;
  double dropout = -1;
  size_t vocab_size = 9000;  // of the vocabulary built from the training text when none is given
  bool uncased = false;      // lowercase and strip accents
  bool crf = false;          // ner: a CRF layer over the word labels
  bool label_all_pieces = false;  // ner: label every sub-word, not only the first
  bool word_shape = false;        // tagged data: word shapes as token type ids
  bool document_context = false;  // tagged data: join a document's sentences into passages
  size_t max_length = 128;   // tokens per example, [CLS] and [SEP] included
  size_t stride = 32;        // evaluation windows' overlap in tokens
  size_t eval_batch = 64;
  std::string metric;        // picks the best checkpoint; "": the task's default
  // The trainer's options. out_dir is required; group, when set, makes this one rank of a
  // data-parallel group that the caller has joined (only rank 0 evaluates on dev).
  TrainOptions train;
};

// Where a model starts other than from scratch: a given vocabulary (scratch models), or a
// pretrained model whose tokenizer and weights it takes (the vocabulary is then ignored). The
// driver takes it by value: move it in, and the weights are freed once the model has them.
struct StartingPoint {
  std::optional<Vocab> vocab;
  std::optional<PretrainedModel> init;
};

struct TrainedText {
  std::unique_ptr<Model> model;  // as training left it; the kept checkpoint is in out_dir/best
  std::unique_ptr<BertTokenizer> tokenizer;
  Labels labels;
  TrainResult result;
  std::string metric;        // the one that picked the checkpoint
  EvalResult dev;            // the kept checkpoint's dev report (metrics null without dev data)
  size_t train_examples = 0;
};

// The WordPiece vocabulary of `size` entries built from the training text: what the driver
// builds when it is given none (built here first, it can go to the workers of a data-parallel
// run, which then need not build their own).
Vocab build_training_vocab(const TextData& train, size_t size, bool uncased);

// dev_set: nullptr for none (then the last model is kept). Bad data is an InputError naming its
// place; settings that contradict the data or the pretrained model a UsageError.
TrainedText train_text_model(const TextData& train_set, const TextData* dev_set, const TrainSettings& settings,
                             StartingPoint start = {});

}  // namespace xinzhi::text
