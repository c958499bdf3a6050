#include "text/evaluate/evaluation.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "text/data/examples.hpp"
#include "text/data/labels.hpp"
#include "text/data/passages.hpp"
#include "text/evaluate/metrics.hpp"
#include "text/evaluate/prediction.hpp"

namespace xinzhi::text {

namespace {

EvalResult evaluate_tagger(const Model& model, const BertTokenizer& tok, const std::vector<TaggedSentence>& sents,
                           size_t max_length, size_t stride, size_t batch) {
  const ModelConfig& cfg = model.config();
  const Labels labels = labels_of(cfg);
  // With document context the model reads passages; the reports stay per sentence.
  Passages joined;
  const auto& inputs = model_inputs(cfg, tok, sents, max_length, joined);
  auto ex = encode_tagged(tok, inputs, labels, max_length, true, stride, false, cfg.word_shape);
  auto pred = predict_examples(model, ex, batch);
  std::vector<size_t> lengths;
  for (auto& s : inputs) lengths.push_back(s.words.size());
  auto tags = sentence_tags(ex, pred, lengths, labels);
  if (cfg.document_context) tags = split_passages(joined, sents, tags);
  std::vector<std::vector<std::string>> gold;
  std::vector<std::string> flat_gold, flat_pred;
  for (size_t s = 0; s < sents.size(); ++s) {
    gold.push_back(sents[s].tags);
    flat_gold.insert(flat_gold.end(), sents[s].tags.begin(), sents[s].tags.end());
    flat_pred.insert(flat_pred.end(), tags[s].begin(), tags[s].end());
  }
  auto token = label_report(flat_gold, flat_pred);
  auto ent = entity_report(gold, tags, false), strict = entity_report(gold, tags, true);
  EvalResult r;
  r.metrics["token"] = token.json();
  r.metrics["entity"] = ent.json();
  r.metrics["entity_strict"] = strict.json();
  r.text = "token level:\n" + token.text() + "\nentity level (conlleval / seqeval default):\n" + ent.text() +
           "\nentity level (strict IOB2):\n" + strict.text();
  return r;
}

EvalResult evaluate_masked_lm(const Model& model, const BertTokenizer& tok, const TextData& data, size_t max_length,
                              size_t stride, size_t batch) {
  const ModelConfig& cfg = model.config();
  std::vector<Example> ex;
  if (data.tagged) {
    Passages joined;
    ex = encode_tagged(tok, model_inputs(cfg, tok, data.sentences, max_length, joined), Labels{}, max_length, false,
                       stride, false, cfg.word_shape);
  } else {
    ex = encode_records(tok, data.records, cfg.task, labels_of(cfg), max_length);
  }
  BatchOptions bo;
  bo.batch_size = batch, bo.shuffle = false, bo.bucket = true, bo.seed = 1;
  bo.pad_id = cfg.pad_token_id, bo.mask_id = tok.vocab().mask_id(), bo.vocab_size = cfg.vocab_size;
  double sum = 0;
  int64_t n = 0;
  for (auto& b : make_batches(ex, cfg.task, 0, bo, 0)) {
    int64_t items = 0;
    sum += model.loss(b, items);
    n += items;
  }
  EvalResult r;
  r.metrics["loss"] = n ? sum / static_cast<double>(n) : 0.0;
  r.text = fmt::format("masked-LM loss {:.4f} (perplexity {:.1f}) over {} masked tokens\n", r.metrics["loss"].get<double>(),
                       std::exp(r.metrics["loss"].get<double>()), n);
  return r;
}

EvalResult evaluate_records(const Model& model, const BertTokenizer& tok, const std::vector<TextRecord>& recs,
                            size_t max_length, size_t batch) {
  const ModelConfig& cfg = model.config();
  const Labels labels = labels_of(cfg);
  auto ex = encode_records(tok, recs, cfg.task, labels, max_length);
  auto pred = predict_examples(model, ex, batch);
  EvalResult r;
  if (cfg.task == Task::regression) {
    std::vector<double> gold, p;
    for (size_t i = 0; i < recs.size(); ++i) {
      if (std::isnan(recs[i].value)) throw InputError(recs[i].place, "a regression example needs a number");
      gold.push_back(recs[i].value), p.push_back(pred[i].probs[0]);
    }
    auto rep = regression_report(gold, p);
    r.metrics = rep.json();
    r.text = rep.text();
    return r;
  }
  if (cfg.task == Task::multi_label) {
    std::vector<std::vector<int>> gold, p;
    for (size_t i = 0; i < recs.size(); ++i) {
      std::vector<int> g(labels.names.size(), 0), q(labels.names.size(), 0);
      for (auto& l : recs[i].labels) g[static_cast<size_t>(labels.at(l, recs[i].place))] = 1;
      for (size_t k = 0; k < q.size(); ++k) q[k] = pred[i].probs[k] >= 0.5f;
      gold.push_back(g), p.push_back(q);
    }
    auto rep = multilabel_report(gold, p, labels.names);
    r.metrics["report"] = rep.json();
    r.metrics["accuracy"] = rep.accuracy;
    r.text = rep.text() + fmt::format("exact-match accuracy {:.3f}\n", rep.accuracy);
    return r;
  }
  std::vector<std::string> gold, p;
  for (size_t i = 0; i < recs.size(); ++i) {
    gold.push_back(labels.names[static_cast<size_t>(ex[i].label)]);
    p.push_back(labels.names[static_cast<size_t>(pred[i].labels[0])]);
  }
  auto rep = label_report(gold, p);
  r.metrics["report"] = rep.json();
  r.metrics["accuracy"] = rep.accuracy;
  r.metrics["macro_f1"] = rep.macro.f1;
  r.text = rep.text() + fmt::format("accuracy {:.3f}  macro-F1 {:.3f}\n", rep.accuracy, rep.macro.f1);
  return r;
}

}  // namespace

EvalResult evaluate(const Model& model, const BertTokenizer& tok, const TextData& data, size_t max_length,
                    size_t stride, size_t batch) {
  if (data.empty()) throw InputError(data.origin, "the data set is empty");
  const Task task = model.config().task;
  if (task == Task::masked_lm) return evaluate_masked_lm(model, tok, data, max_length, stride, batch);
  if ((task == Task::token_classification) != data.tagged)
    throw InputError(data.origin, data.tagged ? "this model labels texts: its data are text records, not tagged words"
                                              : "this model tags words: its data are tagged sentences (CoNLL)");
  if (task == Task::token_classification) return evaluate_tagger(model, tok, data.sentences, max_length, stride, batch);
  return evaluate_records(model, tok, data.records, max_length, batch);
}

std::string default_metric(Task task) {
  switch (task) {
    case Task::token_classification: return "f1";
    case Task::sequence_classification: return "macro_f1";
    case Task::multi_label: return "micro_f1";
    case Task::regression: return "rmse";
    case Task::masked_lm: return "loss";
  }
  return "f1";
}

bool lower_is_better(const std::string& m) { return m == "rmse" || m == "mae" || m == "loss"; }

double metric_value(const nlohmann::ordered_json& j, const std::string& name) {
  try {
    if (name == "f1") return j.at("entity").at("micro avg").at("f1");
    if (name == "strict_f1") return j.at("entity_strict").at("micro avg").at("f1");
    if (name == "token_f1") return j.at("token").at("micro avg").at("f1");
    if (name == "accuracy") return j.at("accuracy");
    if (name == "macro_f1") return j.at("report").at("macro avg").at("f1");
    if (name == "micro_f1") return j.at("report").at("micro avg").at("f1");
    if (name == "rmse" || name == "mae" || name == "r2" || name == "loss") return j.at(name);
  } catch (const nlohmann::json::exception&) {
  }
  throw UsageError(fmt::format("metric '{}' is not reported for this task", name));
}

}  // namespace xinzhi::text
