// Encoded examples (token ids plus what the head needs) and their padded batches, with length
// bucketing (similar lengths share a batch, so little is padding) and seeded shuffling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "text/data/data_set.hpp"
#include "text/data/labels.hpp"
#include "text/model/model.hpp"
#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::text {

struct Example {
  std::vector<int32_t> ids;           // [CLS] ... [SEP]
  std::vector<int32_t> types;         // token type ids (word shapes) per id; empty: all 0
  std::vector<int32_t> word_pos;      // token classification: position of each word's first piece
  std::vector<int32_t> word_labels;   // label id per word (-100: not scored)
  int32_t label = -1;                 // classification
  std::vector<float> targets;         // multi-label 0/1 per label, or the regression value
  int32_t source = 0;                 // index of the sentence / record it came from
  std::vector<int32_t> word_index;    // the source word of each word_pos entry
  std::vector<uint8_t> scored;        // windows: 1 where this window decides the word
};

// NER sentences -> examples. Training truncates to max_length; prediction (windows=true)
// cuts long sentences into overlapping windows of max_length tokens advancing by `stride`
// words so that every word is predicted with context on both sides. Labels go to each word's
// first piece; with all_pieces (training only) the other pieces are labelled too (B-X becomes
// I-X there), while predictions are still read from first pieces.
std::vector<Example> encode_tagged(const BertTokenizer& tok, const std::vector<TaggedSentence>& sents,
                                   const Labels& labels, size_t max_length, bool windows, size_t stride,
                                   bool all_pieces = false, bool word_shapes = false);
std::vector<Example> encode_records(const BertTokenizer& tok, const std::vector<TextRecord>& recs, Task task,
                                    const Labels& labels, size_t max_length);

struct BatchOptions {
  size_t batch_size = 32;
  bool bucket = true;     // group similar lengths
  bool shuffle = true;
  uint64_t seed = 42;
  double mlm_probability = 0.15;
  // Training input noise for the other tasks: each real token becomes [MASK] with this
  // probability (labels unchanged), so a model trained from scratch learns to tag from context
  // rather than by remembering the words of the training entities.
  double token_dropout = 0;
  // ner: the tokens of words labelled as entities (label != outside_label) use this probability
  // instead (when higher): the tagger then meets "unseen" names in training, and learns to find
  // them from their context and shape rather than from remembered words. -1: off.
  double entity_dropout = -1;
  int32_t outside_label = -1;
  int64_t pad_id = 0, mask_id = 103, vocab_size = 0;
};
// The batch options that follow from the model and its training data: the [PAD] and [MASK] ids,
// the vocabulary size (masked LM's random tokens) and a ner label set's "O" (the label entity
// dropout leaves alone), all set together so that none is missed (the training driver calls it).
// UsageError when entity_dropout is on for another task or a label set without "O".
void set_model_batch_options(BatchOptions& options, const ModelConfig& config, const BertTokenizer& tok,
                             const Labels& labels, Task task);
// The batches of one epoch (deterministic in seed and epoch); for masked LM the 80/10/10
// masking is drawn here from the same seed.
std::vector<Batch> make_batches(const std::vector<Example>& examples, Task task, int64_t num_labels,
                                const BatchOptions& options, uint64_t epoch);
// A batch of examples [begin, end) in their order (prediction).
Batch make_batch(const std::vector<Example>& examples, size_t begin, size_t end, Task task, int64_t num_labels,
                 int64_t pad_id);

}  // namespace xinzhi::text
