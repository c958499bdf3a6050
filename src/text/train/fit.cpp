#include "text/train/fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "core/fs.hpp"
#include "text/data/examples.hpp"
#include "text/tokenize/vocab_builder.hpp"

namespace xinzhi::text {

namespace fs = std::filesystem;

namespace {


// B-X, I-X, ... by entity type, then O and other tags: the order of the reports.
std::vector<std::string> tag_order(const std::vector<TaggedSentence>& sents) {
  std::set<std::string> names;
  for (const auto& s : sents) names.insert(s.tags.begin(), s.tags.end());
  std::vector<std::string> v(names.begin(), names.end());
  auto key = [](const std::string& l) {
    return l.size() > 2 && l[1] == '-' ? std::make_tuple(0, l.substr(2), l[0] == 'B' ? 0 : 1) : std::make_tuple(1, l, 0);
  };
  std::sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  return v;
}

}  // namespace

FitResult fit_and_test(const TrainCommand& c, const std::string& test_file) {
  if (c.out_dir.empty()) throw UsageError("fit_and_test: no output folder");
  if (!c.init_model.empty()) throw UsageError("fit_and_test trains from scratch: init_model must be empty");
  if (c.task != Task::sequence_classification && c.task != Task::token_classification)
    throw UsageError(fmt::format("fit_and_test: task {} is not supported (classification or ner)", task_name(c.task)));
  const bool tagged = c.task == Task::token_classification;
  const auto t0 = std::chrono::steady_clock::now();

  // 1. Training data and its labels (labels come from the training set only).
  std::vector<TaggedSentence> sents;
  std::vector<TextRecord> recs;
  Labels labels;
  if (tagged) {
    sents = read_tagged(c.train_file);
    if (sents.empty()) throw InputError(c.train_file, "the training set is empty");
    for (const auto& n : tag_order(sents)) labels.add(n);
  } else {
    recs = read_text_records(c.train_file);
    if (recs.empty()) throw InputError(c.train_file, "the training set is empty");
    std::set<std::string> names;
    for (const auto& r : recs) {
      if (r.labels.size() != 1) throw InputError(r.place, "needs exactly one label");
      names.insert(r.labels[0]);
    }
    for (const auto& n : names) labels.add(n);
  }

  // 2. Work folder beside the final one; the kept checkpoint is renamed into place at the end.
  const fs::path out(c.out_dir);
  const fs::path work = out.string() + ".work";
  fs::remove_all(work);
  fs::create_directories(work);

  // 3. Vocabulary (given, or built from the training text) and a new model.
  Vocab vocab;
  if (!c.vocab_file.empty()) {
    vocab = Vocab::load(c.vocab_file);
  } else {
    std::string text;
    for (const auto& s : sents) {
      for (const auto& w : s.words) text += w + " ";
      text += "\n";
    }
    for (const auto& r : recs) text += r.text + "\n";
    const std::string corpus = (work / "vocab-corpus.txt").string();
    write_file_atomic(corpus, text);
    VocabBuildOptions vo;
    vo.size = c.vocab_size;
    vo.lowercase = c.uncased;
    vocab = Vocab::from_tokens(build_wordpiece_vocab({corpus}, vo));
    fs::remove(corpus);
  }
  ModelConfig cfg = ModelConfig::preset(c.size);
  if (c.hidden) cfg.hidden_size = c.hidden, cfg.intermediate_size = 4 * c.hidden;
  if (c.layers) cfg.num_hidden_layers = c.layers;
  if (c.heads) cfg.num_attention_heads = c.heads;
  if (c.intermediate) cfg.intermediate_size = c.intermediate;
  if (c.dropout >= 0) cfg.hidden_dropout_prob = cfg.attention_probs_dropout_prob = c.dropout;
  cfg.lowercase = c.uncased;
  cfg.vocab_size = static_cast<int64_t>(vocab.size());
  cfg.pad_token_id = std::max<int32_t>(0, vocab.pad_id());
  cfg.task = c.task;
  cfg.crf = tagged && c.crf;
  cfg.labels = labels.names;
  if (static_cast<int64_t>(c.max_length) > cfg.max_position_embeddings)
    throw UsageError(fmt::format("max_length {} exceeds the model's {} positions", c.max_length, cfg.max_position_embeddings));
  cfg.validate("model");
  const BertTokenizer tok(std::move(vocab), TokenizerOptions{c.uncased, c.uncased, true, 100});
  Model model(cfg, c.train.seed);
  if (c.train.threads > 0) model.set_threads(c.train.threads);

  FitResult result;
  result.labels = labels.names;
  result.parameters = model.num_parameters();
  result.vocab_size = tok.vocab().size();

  // 4. Train, keeping the best epoch on dev.
  const std::vector<Example> train_ex =
      tagged ? encode_tagged(tok, sents, labels, c.max_length, false, c.stride, c.label_all_pieces)
             : encode_records(tok, recs, c.task, labels, c.max_length);
  result.train_examples = train_ex.size();
  TrainOptions to = c.train;
  to.out_dir = work.string();
  to.resume = false;
  set_model_batch_options(to.batches, cfg, tok, labels, c.task);
  const std::string metric = c.metric.empty() ? default_metric(c.task) : c.metric;
  to.lower_is_better = lower_is_better(metric);
  std::function<double(const Model&)> eval;
  double best = NAN;
  if (!c.dev_file.empty()) {
    eval = [&](const Model& m) {
      EvalResult r = evaluate_file(m, tok, c.dev_file, c.max_length, c.stride, c.eval_batch);
      const double v = metric_value(r.metrics, metric);
      if (std::isnan(best) || (to.lower_is_better ? v < best : v > best)) best = v, result.dev = std::move(r);
      return v;
    };
  }
  result.train = train(model, train_ex, to, eval, [&](const std::string& dir) { save_tokenizer(dir, tok); });
  result.train_seconds = seconds_since(t0);

  // 5. The kept checkpoint into place (the last epoch's optimizer state is not kept), then test it.
  fs::remove_all(out);
  fs::create_directories(out.parent_path());
  fs::rename(work / "best", out);
  fsync_dir(out.parent_path().string());
  fs::remove_all(work);
  result.model_dir = out.string();

  const auto t1 = std::chrono::steady_clock::now();
  Model kept = Model::load(out.string());
  if (c.train.threads > 0) kept.set_threads(c.train.threads);
  result.test = evaluate_file(kept, tok, test_file, c.max_length, c.stride, c.eval_batch);
  result.test_seconds = seconds_since(t1);
  return result;
}

}  // namespace xinzhi::text
