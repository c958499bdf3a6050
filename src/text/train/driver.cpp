#include "text/train/driver.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "text/data/examples.hpp"
#include "text/data/passages.hpp"
#include "text/data/word_shape.hpp"
#include "text/tokenize/vocab_builder.hpp"
#include "text/train/process_group.hpp"

namespace xinzhi::text {

Vocab build_training_vocab(const TextData& train, size_t size, bool uncased) {
  std::string corpus;  // one sentence or record a line, as the vocabulary builder reads a corpus
  if (train.tagged) {
    for (const auto& s : train.sentences) {
      for (const auto& w : s.words) corpus += w + " ";
      corpus += "\n";
    }
  } else {
    for (const auto& r : train.records) corpus += r.text + "\n";
  }
  VocabBuildOptions vo;
  vo.size = size;
  vo.lowercase = uncased;
  Vocab v = Vocab::from_tokens(build_wordpiece_vocab(corpus, train.origin, vo));
  spdlog::info("built a {}-entry WordPiece vocabulary from the training text", v.size());
  return v;
}

namespace {

// The configuration of a new model from the settings' preset and sizes.
ModelConfig new_model_config(const TrainSettings& s) {
  ModelConfig cfg = ModelConfig::preset(s.size);
  if (s.hidden) cfg.hidden_size = s.hidden, cfg.intermediate_size = 4 * s.hidden;
  if (s.layers) cfg.num_hidden_layers = s.layers;
  if (s.heads) cfg.num_attention_heads = s.heads;
  if (s.intermediate) cfg.intermediate_size = s.intermediate;
  cfg.lowercase = s.uncased;
  return cfg;
}

}  // namespace

TrainedText train_text_model(const TextData& train_set, const TextData* dev_set, const TrainSettings& s, StartingPoint start) {
  if (s.train.out_dir.empty()) throw UsageError("no output folder for the model's checkpoints");
  if (train_set.empty()) throw InputError(train_set.origin, "the training set is empty");
  const bool tagged = train_set.tagged;
  const int rank = s.train.group ? s.train.group->rank() : 0;
  TrainedText out;

  // 1. Labels, from the training set only.
  out.labels = training_labels(train_set, s.task);

  // 2. Tokenizer and configuration: the pretrained model's, or new (vocabulary given or built).
  ModelConfig cfg;
  if (start.init) {
    cfg = start.init->config;
    out.tokenizer = std::make_unique<BertTokenizer>(std::move(start.init->vocab), start.init->tokenizer_options);
  } else {
    cfg = new_model_config(s);
    Vocab v = start.vocab ? std::move(*start.vocab) : build_training_vocab(train_set, s.vocab_size, s.uncased);
    cfg.vocab_size = static_cast<int64_t>(v.size());
    cfg.pad_token_id = std::max<int32_t>(0, v.pad_id());
    out.tokenizer = std::make_unique<BertTokenizer>(std::move(v), TokenizerOptions{s.uncased, s.uncased, true, 100});
  }
  const BertTokenizer& tok = *out.tokenizer;
  cfg.task = s.task;
  cfg.crf = s.crf;
  if (!start.init) {
    cfg.word_shape = s.word_shape;
    cfg.document_context = s.document_context;
    if (cfg.word_shape) cfg.type_vocab_size = kWordShapes;
  } else {
    // The pretrained model fixes the features its embeddings were trained with.
    if (s.word_shape && !cfg.word_shape)
      throw UsageError(fmt::format("--word-shape: {} was trained without word shapes", start.init->folder));
    cfg.document_context = cfg.document_context || s.document_context;
  }
  if ((cfg.word_shape || cfg.document_context) && !tagged)
    throw UsageError("--word-shape and --document-context need pre-split words (CoNLL or tagged files)");
  cfg.labels = s.task == Task::regression ? std::vector<std::string>{"LABEL_0"} : out.labels.names;
  if (s.dropout >= 0) cfg.hidden_dropout_prob = cfg.attention_probs_dropout_prob = s.dropout;
  if (static_cast<int64_t>(s.max_length) > cfg.max_position_embeddings)
    throw UsageError(fmt::format("--max-length {} exceeds the model's {} positions", s.max_length, cfg.max_position_embeddings));
  cfg.validate("model");

  // 3. The model, at random or with the pretrained weights.
  auto model = std::make_unique<Model>(cfg, s.train.seed);
  if (start.init) {
    LoadReport rep;
    model->load_state(start.init->weights, start.init->folder, &rep);
    start.init->weights.clear();  // the model has its copy
    if (!rep.missing.empty())
      spdlog::info("initialised at random (not in {}): {}", start.init->folder, fmt::join(rep.missing, ", "));
    if (!rep.unexpected.empty()) spdlog::info("not used from {}: {}", start.init->folder, fmt::join(rep.unexpected, ", "));
  }
  if (s.train.threads > 0) model->set_threads(s.train.threads);

  // 4. Examples.
  std::vector<Example> examples;
  if (tagged) {
    Passages joined;
    examples = encode_tagged(tok, model_inputs(cfg, tok, train_set.sentences, s.max_length, joined), out.labels, s.max_length,
                             false, s.stride, s.label_all_pieces, cfg.word_shape);
    if (cfg.document_context)
      spdlog::info("{} sentences joined into {} document passages", train_set.sentences.size(), joined.passages.size());
  } else {
    examples = encode_records(tok, train_set.records, s.task, out.labels, s.max_length);
  }
  out.train_examples = examples.size();
  spdlog::info("{} training examples; model {} ({} parameters, {} layers, hidden {})", examples.size(), task_name(s.task),
               model->num_parameters(), cfg.num_hidden_layers, cfg.hidden_size);

  // 5. Train, evaluating on dev (rank 0 alone: it decides for the group).
  TrainOptions to = s.train;
  set_model_batch_options(to.batches, cfg, tok, out.labels, s.task);
  out.metric = s.metric.empty() ? default_metric(s.task) : s.metric;
  to.lower_is_better = lower_is_better(out.metric);
  std::function<double(const Model&)> eval;
  double best = NAN;
  if (dev_set && rank == 0) {
    eval = [&](const Model& m) {
      EvalResult r = evaluate(m, tok, *dev_set, s.max_length, s.stride, s.eval_batch);
      const double v = metric_value(r.metrics, out.metric);
      if (std::isnan(best) || (to.lower_is_better ? v < best : v > best)) best = v, out.dev = std::move(r);
      return v;
    };
  }
  out.result = train(*model, examples, to, eval, [&](const std::string& dir) { save_tokenizer(dir, tok); });
  out.model = std::move(model);
  return out;
}

}  // namespace xinzhi::text
