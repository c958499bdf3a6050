#include "text/train/runner.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/data/examples.hpp"
#include "text/train/launcher.hpp"
#include "text/evaluate/metrics.hpp"
#include "text/data/passages.hpp"
#include "text/train/process_group.hpp"
#include "text/data/word_shape.hpp"
#include "text/tokenize/vocab_builder.hpp"

namespace xinzhi::text {

namespace fs = std::filesystem;

namespace {

bool is_tagged_file(const std::string& path) {
  auto ext = fs::path(path).extension().string();
  return ext == ".txt" || ext == ".conll" || ext == ".bio" || ext == ".bmes" || ext == ".iob";
}

// Predictions of a model over examples, batched by similar length; returns one Prediction per
// example (token classification: its words' labels and scores).
struct ExamplePrediction {
  std::vector<int32_t> labels;
  std::vector<float> scores, probs;
};

std::vector<ExamplePrediction> predict_examples(const Model& model, const std::vector<Example>& ex, size_t batch) {
  const ModelConfig& cfg = model.config();
  std::vector<size_t> order(ex.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ex[a].ids.size() < ex[b].ids.size(); });
  std::vector<ExamplePrediction> out(ex.size());
  std::vector<Example> tmp;
  for (size_t i = 0; i < order.size(); i += batch) {
    tmp.clear();
    const size_t end = std::min(order.size(), i + batch);
    for (size_t k = i; k < end; ++k) tmp.push_back(ex[order[k]]);
    Batch b = make_batch(tmp, 0, tmp.size(), cfg.task, cfg.num_labels(), cfg.pad_token_id);
    Prediction p = model.predict(b);
    for (size_t r = 0; r < tmp.size(); ++r) {
      ExamplePrediction& e = out[order[i + r]];
      if (cfg.task == Task::token_classification) {
        for (size_t w = 0; w < tmp[r].word_pos.size(); ++w) {
          e.labels.push_back(p.labels[r * static_cast<size_t>(b.words) + w]);
          e.scores.push_back(p.scores[r * static_cast<size_t>(b.words) + w]);
        }
      } else {
        const size_t L = cfg.task == Task::regression ? 1 : static_cast<size_t>(cfg.num_labels());
        e.probs.assign(p.probs.begin() + static_cast<long>(r * L), p.probs.begin() + static_cast<long>((r + 1) * L));
        if (!p.labels.empty()) e.labels = {p.labels[r]}, e.scores = {p.scores[r]};
      }
    }
  }
  return out;
}

// The sentences as the model reads them: joined into document passages (kept in `joined`) when
// the model was trained with document context, else as they are.
const std::vector<TaggedSentence>& model_inputs(const ModelConfig& cfg, const BertTokenizer& tok,
                                                const std::vector<TaggedSentence>& sents, size_t max_length,
                                                Passages& joined) {
  if (!cfg.document_context) return sents;
  joined = join_documents(tok, sents, max_length - 2);
  return joined.passages;
}

Labels labels_of(const ModelConfig& c) {
  Labels l;
  for (auto& n : c.labels) l.add(n);
  return l;
}

// Word-level tags of each sentence from window predictions ("O" where no window decided).
std::vector<std::vector<std::string>> sentence_tags(const std::vector<Example>& ex,
                                                    const std::vector<ExamplePrediction>& pred,
                                                    const std::vector<size_t>& lengths, const Labels& labels,
                                                    std::vector<std::vector<float>>* scores = nullptr) {
  std::vector<std::vector<std::string>> out(lengths.size());
  if (scores) scores->assign(lengths.size(), {});
  for (size_t s = 0; s < lengths.size(); ++s) {
    out[s].assign(lengths[s], "O");
    if (scores) (*scores)[s].assign(lengths[s], 0.f);
  }
  for (size_t i = 0; i < ex.size(); ++i)
    for (size_t w = 0; w < ex[i].word_index.size(); ++w) {
      if (!ex[i].scored[w] || pred[i].labels[w] < 0) continue;
      out[static_cast<size_t>(ex[i].source)][static_cast<size_t>(ex[i].word_index[w])] =
          labels.names[static_cast<size_t>(pred[i].labels[w])];
      if (scores) (*scores)[static_cast<size_t>(ex[i].source)][static_cast<size_t>(ex[i].word_index[w])] = pred[i].scores[w];
    }
  return out;
}

}  // namespace

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

BertTokenizer load_tokenizer(const std::string& folder, const ModelConfig& config) {
  const std::string vocab = (fs::path(folder) / "vocab.txt").string();
  if (!fs::exists(vocab)) throw InputError(folder, "not a model folder: vocab.txt is missing");
  bool lower = config.lowercase;
  const std::string tc = (fs::path(folder) / "tokenizer_config.json").string();
  if (fs::exists(tc)) {
    try {
      auto j = nlohmann::json::parse(read_file(tc));
      if (j.contains("do_lower_case") && j["do_lower_case"].is_boolean()) lower = j["do_lower_case"];
    } catch (const nlohmann::json::exception&) {
      throw InputError(tc, "not valid JSON");
    }
  }
  Vocab v = Vocab::load(vocab);
  if (static_cast<int64_t>(v.size()) > config.vocab_size)
    throw InputError(vocab, fmt::format("{} entries but config.json says vocab_size {}", v.size(), config.vocab_size));
  return BertTokenizer(std::move(v), {lower, lower, true, 100});
}

void save_tokenizer(const std::string& folder, const BertTokenizer& tok) {
  tok.vocab().save((fs::path(folder) / "vocab.txt").string());
  nlohmann::ordered_json j = {{"tokenizer_class", "BertTokenizer"},
                              {"do_lower_case", tok.options().lowercase},
                              {"strip_accents", tok.options().strip_accents},
                              {"tokenize_chinese_chars", tok.options().split_cjk},
                              {"model_max_length", 512}};
  write_file_atomic((fs::path(folder) / "tokenizer_config.json").string(), j.dump(2) + "\n");
}

EvalResult evaluate_file(const Model& model, const BertTokenizer& tok, const std::string& data_file,
                         size_t max_length, size_t stride, size_t batch) {
  const ModelConfig& cfg = model.config();
  const Labels labels = labels_of(cfg);
  EvalResult r;
  if (cfg.task == Task::token_classification) {
    auto sents = read_tagged(data_file);
    if (sents.empty()) throw InputError(data_file, "the data set is empty");
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
    r.metrics["token"] = token.json();
    r.metrics["entity"] = ent.json();
    r.metrics["entity_strict"] = strict.json();
    r.text = "token level:\n" + token.text() + "\nentity level (conlleval / seqeval default):\n" + ent.text() +
             "\nentity level (strict IOB2):\n" + strict.text();
    return r;
  }
  if (cfg.task == Task::masked_lm) {
    std::vector<Example> ex;
    if (is_tagged_file(data_file)) {
      auto sents = read_tagged(data_file);
      if (sents.empty()) throw InputError(data_file, "the data set is empty");
      Passages joined;
      ex = encode_tagged(tok, model_inputs(cfg, tok, sents, max_length, joined), Labels{}, max_length, false, stride,
                         false, cfg.word_shape);
    } else {
      auto recs = read_text_records(data_file);
      if (recs.empty()) throw InputError(data_file, "the data set is empty");
      ex = encode_records(tok, recs, cfg.task, labels, max_length);
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
    r.metrics["loss"] = n ? sum / static_cast<double>(n) : 0.0;
    r.text = fmt::format("masked-LM loss {:.4f} (perplexity {:.1f}) over {} masked tokens\n", r.metrics["loss"].get<double>(),
                         std::exp(r.metrics["loss"].get<double>()), n);
    return r;
  }
  auto recs = read_text_records(data_file);
  if (recs.empty()) throw InputError(data_file, "the data set is empty");
  auto ex = encode_records(tok, recs, cfg.task, labels, max_length);
  auto pred = predict_examples(model, ex, batch);
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

void run_train(const TrainCommand& c_in) {
  TrainCommand c = c_in;
  if (c.out_dir.empty()) throw UsageError("--out is required");
  // Data parallel: --nproc on one machine, or --rank/--world-size across machines.
  if (c.train.bf16) require_bf16_cpu();  // before any slow work
  if (c.nproc < 1) throw UsageError("--nproc must be at least 1");
  if (c.nproc > 1 && c.dist.world_size > 1) throw UsageError("--nproc and --world-size are alternatives: give one");
  const bool launch = c.nproc > 1, parallel = launch || c.dist.world_size > 1;
  const int rank = launch ? 0 : c.dist.rank;
  if (!parallel && c.dist.rank != 0) throw UsageError("--rank needs --world-size");
  if (c.dist.rank < 0 || c.dist.rank >= std::max(1, c.dist.world_size))
    throw UsageError(fmt::format("--rank {} is outside the group of {} (ranks 0 to {})", c.dist.rank, c.dist.world_size,
                                 c.dist.world_size - 1));
  if (rank > 0) spdlog::set_level(spdlog::level::warn);  // rank 0 speaks for the group
  if (launch && c.train.threads <= 0)  // the machine's cores shared between the processes
    c.train.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / c.nproc);
  // 1. Data and labels (labels come from the training set only).
  std::vector<TaggedSentence> sents;
  std::vector<TextRecord> recs;
  Labels labels;
  const bool tagged = c.task == Task::token_classification || (c.task == Task::masked_lm && is_tagged_file(c.train_file));
  if (tagged) {
    sents = read_tagged(c.train_file);
    if (sents.empty()) throw InputError(c.train_file, "the training set is empty");
    if (c.task == Task::token_classification) {
      std::set<std::string> names;
      for (auto& s : sents) names.insert(s.tags.begin(), s.tags.end());
      // B-X, I-X, ..., O: the order of the reports
      std::vector<std::string> v(names.begin(), names.end());
      std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
        auto key = [](const std::string& l) {
          return l.size() > 2 && l[1] == '-' ? std::make_tuple(0, l.substr(2), l[0] == 'B' ? 0 : 1) : std::make_tuple(1, l, 0);
        };
        return key(a) < key(b);
      });
      for (auto& n : v) labels.add(n);
    }  // masked LM on a tagged file: its words, tags unused
  } else {
    recs = read_text_records(c.train_file);
    if (recs.empty()) throw InputError(c.train_file, "the training set is empty");
    std::set<std::string> names;
    for (auto& r : recs) {
      if (c.task == Task::regression && std::isnan(r.value)) throw InputError(r.place, "a regression example needs a number");
      if (c.task == Task::sequence_classification && r.labels.size() != 1) throw InputError(r.place, "needs exactly one label");
      names.insert(r.labels.begin(), r.labels.end());
    }
    for (auto& n : names) labels.add(n);
  }

  // 2. Tokenizer and model: from --init, or new (vocabulary given or built from the data).
  std::unique_ptr<Model> model;
  std::unique_ptr<BertTokenizer> tok;
  ModelConfig cfg;
  if (!c.init_model.empty()) {
    cfg = ModelConfig::parse(read_file((fs::path(c.init_model) / "config.json").string()),
                             (fs::path(c.init_model) / "config.json").string());
    tok = std::make_unique<BertTokenizer>(load_tokenizer(c.init_model, cfg));
  } else {
    cfg = ModelConfig::preset(c.size);
    if (c.hidden) cfg.hidden_size = c.hidden, cfg.intermediate_size = 4 * c.hidden;
    if (c.layers) cfg.num_hidden_layers = c.layers;
    if (c.heads) cfg.num_attention_heads = c.heads;
    if (c.intermediate) cfg.intermediate_size = c.intermediate;
    cfg.lowercase = c.uncased;
    Vocab v;
    if (!c.vocab_file.empty()) {
      v = Vocab::load(c.vocab_file);
    } else {
      const std::string corpus = (fs::path(c.out_dir) / fmt::format("vocab-corpus{}.tmp", rank ? fmt::format(".{}", rank) : "")).string();
      fs::create_directories(c.out_dir);
      std::string text;
      for (auto& s : sents) {
        for (auto& w : s.words) text += w + " ";
        text += "\n";
      }
      for (auto& r : recs) text += r.text + "\n";
      write_file_atomic(corpus, text);
      VocabBuildOptions vo;
      vo.size = c.vocab_size;
      vo.lowercase = c.uncased;
      auto tokens = build_wordpiece_vocab({corpus}, vo);
      fs::remove(corpus);
      v = Vocab::from_tokens(tokens);
      spdlog::info("built a {}-entry WordPiece vocabulary from the training text", v.size());
    }
    cfg.vocab_size = static_cast<int64_t>(v.size());
    cfg.pad_token_id = std::max<int32_t>(0, v.pad_id());
    tok = std::make_unique<BertTokenizer>(std::move(v), TokenizerOptions{c.uncased, c.uncased, true, 100});
  }
  cfg.task = c.task;
  cfg.crf = c.crf;
  if (c.init_model.empty()) {
    cfg.word_shape = c.word_shape;
    cfg.document_context = c.document_context;
    if (cfg.word_shape) cfg.type_vocab_size = kWordShapes;
  } else {
    // The init model fixes the features its embeddings were trained with.
    if (c.word_shape && !cfg.word_shape)
      throw UsageError(fmt::format("--word-shape: {} was trained without word shapes", c.init_model));
    cfg.document_context = cfg.document_context || c.document_context;
  }
  if ((cfg.word_shape || cfg.document_context) && !tagged)
    throw UsageError("--word-shape and --document-context need pre-split words (CoNLL or tagged files)");
  cfg.labels = c.task == Task::regression ? std::vector<std::string>{"LABEL_0"} : labels.names;
  if (c.dropout >= 0) cfg.hidden_dropout_prob = cfg.attention_probs_dropout_prob = c.dropout;
  if (static_cast<int64_t>(c.max_length) > cfg.max_position_embeddings)
    throw UsageError(fmt::format("--max-length {} exceeds the model's {} positions", c.max_length, cfg.max_position_embeddings));
  cfg.validate("model");
  model = std::make_unique<Model>(cfg, c.train.seed);
  if (!c.init_model.empty()) {
    LoadReport rep;
    model->load_state(read_safetensors((fs::path(c.init_model) / "model.safetensors").string()),
                      c.init_model, &rep);
    if (!rep.missing.empty())
      spdlog::info("initialised at random (not in {}): {}", c.init_model, fmt::join(rep.missing, ", "));
    if (!rep.unexpected.empty()) spdlog::info("not used from {}: {}", c.init_model, fmt::join(rep.unexpected, ", "));
  }
  if (c.train.threads > 0) model->set_threads(c.train.threads);

  // 3. Examples.
  std::vector<Example> train_ex;
  if (tagged) {
    Passages joined;
    train_ex = encode_tagged(*tok, model_inputs(cfg, *tok, sents, c.max_length, joined), labels, c.max_length, false,
                             c.stride, c.label_all_pieces, cfg.word_shape);
    if (cfg.document_context)
      spdlog::info("{} sentences joined into {} document passages", sents.size(), joined.passages.size());
  } else {
    train_ex = encode_records(*tok, recs, c.task, labels, c.max_length);
  }
  spdlog::info("{} training examples; model {} ({} parameters, {} layers, hidden {})", train_ex.size(), task_name(c.task),
               model->num_parameters(), cfg.num_hidden_layers, cfg.hidden_size);

  // 4. Train, evaluating on dev.
  TrainOptions to = c.train;
  to.out_dir = c.out_dir;
  set_model_batch_options(to.batches, cfg, *tok, labels, c.task);
  const std::string metric = c.metric.empty() ? default_metric(c.task) : c.metric;
  to.lower_is_better = lower_is_better(metric);
  nlohmann::ordered_json best_metrics;
  std::string best_text;
  std::function<double(const Model&)> eval;
  if (!c.dev_file.empty() && rank == 0) {
    eval = [&](const Model& m) {
      auto r = evaluate_file(m, *tok, c.dev_file, c.max_length, c.stride, c.eval_batch);
      const double v = metric_value(r.metrics, metric);
      const double best = best_metrics.contains("value") ? best_metrics["value"].get<double>() : NAN;
      if (std::isnan(best) || (to.lower_is_better ? v < best : v > best)) {
        best_metrics = r.metrics;
        best_metrics["value"] = v;
        best_text = r.text;
      }
      return v;
    };
  }
  auto save_extra = [&](const std::string& dir) { save_tokenizer(dir, *tok); };

  // 5. The data-parallel group: rank 0 opens the store, starts its workers (--nproc), and all
  // meet; the workers read the vocabulary rank 0 built instead of building their own.
  std::unique_ptr<ProcessGroup> group;
  std::unique_ptr<WorkerLauncher> workers;
  std::string workers_vocab;
  struct RemoveOnExit {  // the workers' vocabulary file goes, also when the run fails
    std::string& path;
    ~RemoveOnExit() {
      std::error_code ec;
      if (!path.empty()) fs::remove(path, ec);
    }
  } remove_workers_vocab{workers_vocab};
  if (parallel) {
    DistOptions d = c.dist;
    if (launch) d.rank = 0, d.world_size = c.nproc, d.master_addr = "127.0.0.1";
    if (d.master_port < 0) d.master_port = launch ? 0 : 29500;
    group = std::make_unique<ProcessGroup>(d);
    if (launch) {
      auto args = own_command_line_without({"--nproc", "--threads", "--rank", "--world-size", "--master-addr", "--master-port"});
      args.push_back("--threads");
      args.push_back(std::to_string(c.train.threads));
      if (c.vocab_file.empty() && c.init_model.empty()) {
        fs::create_directories(c.out_dir);
        workers_vocab = (fs::path(c.out_dir) / "vocab-for-workers.tmp").string();
        tok->vocab().save(workers_vocab);
        args.push_back("--vocab");
        args.push_back(workers_vocab);
      }
      spdlog::info("data parallel: starting {} worker process(es), rendezvous at 127.0.0.1:{}", c.nproc - 1, group->port());
      workers = std::make_unique<WorkerLauncher>(c.nproc, group->port(), args);
    }
    group->join();
    if (!workers_vocab.empty()) fs::remove(workers_vocab), workers_vocab.clear();  // every worker has read it by now
    if (rank == 0) spdlog::info("data parallel: {} processes joined; global batch {}", group->world_size(), to.batches.batch_size);
    to.group = group.get();
  }
  auto res = train(*model, train_ex, to, eval, save_extra);
  if (rank > 0) return;  // rank 0 reports for the group
  if (workers) workers->finish(c.dist.timeout_s);
  if (to.stop_after > 0 && res.steps >= to.stop_after && res.best_step < 0) {
    std::cout << fmt::format("stopped after {} steps; resume with --resume\n", res.steps);
    return;
  }
  nlohmann::ordered_json out;
  if (!c.command.empty()) out["command"] = c.command;  // what reproduces this run
  out["task"] = task_name(c.task);
  out["metric"] = metric;
  out["steps"] = res.steps;
  out["best_step"] = res.best_step;
  out["stopped_early"] = res.stopped_early;
  out["out_of_time"] = res.out_of_time;
  out["train_seconds"] = res.seconds;
  out["first_loss"] = res.losses.empty() ? 0.0 : res.losses.front();
  out["last_loss"] = res.losses.empty() ? 0.0 : res.losses.back();
  out["losses"] = res.losses;  // mean loss of each optimizer step
  if (!best_metrics.is_null()) {
    best_metrics.erase("value");
    out["dev"] = best_metrics;
    out["best"] = res.best_metric;
    std::cout << "dev (best checkpoint, step " << res.best_step << "):\n" << best_text;
  }
  write_file_atomic((fs::path(c.out_dir) / "metrics.json").string(), out.dump(2) + "\n");
  std::cout << fmt::format("model: {}  ({} steps in {:.1f} min, loss {:.4f} -> {:.4f})\n",
                           (fs::path(c.out_dir) / "best").string(), res.steps,
                           res.seconds / 60, out["first_loss"].get<double>(), out["last_loss"].get<double>());
}

void run_eval(const std::string& model_dir, const std::string& data_file, const std::string& out, size_t batch,
              size_t stride) {
  Model model = Model::load(model_dir);
  auto tok = load_tokenizer(model_dir, model.config());
  auto r = evaluate_file(model, tok, data_file, 128, stride, batch);
  std::cout << r.text;
  if (!out.empty()) write_file_atomic(out, r.metrics.dump(2) + "\n");
}

void run_predict(const std::string& model_dir, const std::string& input, const std::string& output, size_t batch,
                 size_t stride) {
  Model model = Model::load(model_dir);
  const ModelConfig& cfg = model.config();
  auto tok = load_tokenizer(model_dir, cfg);
  const Labels labels = labels_of(cfg);
  // Inputs: plain lines, or JSON objects with "text" or "words".
  const std::string content = input == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : read_file(input);
  const std::string name = input == "-" ? "stdin" : input;
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> words;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> offsets;
  size_t pos = 0;
  long line = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string::npos) nl = content.size();
    std::string s = content.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    if (!s.empty() && s.back() == '\r') s.pop_back();
    size_t bad = 0;
    if (!valid_utf8(s, &bad)) throw InputError(place(name, line, static_cast<long>(bad + 1)), "the text is not valid UTF-8");
    std::vector<std::string> w;
    std::vector<std::pair<uint32_t, uint32_t>> off;
    if (!s.empty() && s[0] == '{') {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(s);
      } catch (const nlohmann::json::exception&) {
        throw InputError(place(name, line), "not a JSON object");
      }
      if (j.contains("words") && j["words"].is_array()) {
        uint32_t at = 0;
        for (auto& x : j["words"]) {
          if (!x.is_string()) throw InputError(place(name, line) + ": words", "must be strings");
          std::string ws = x;
          uint32_t n = 0;
          for (unsigned char ch : ws) n += (ch & 0xC0) != 0x80;
          w.push_back(ws), off.emplace_back(at, at + n);
          at += n + 1;
        }
        std::string joined;
        for (auto& x : w) joined += (joined.empty() ? "" : " ") + x;
        s = joined;
      } else if (j.contains("text") && j["text"].is_string()) {
        s = j["text"];
      } else {
        throw InputError(place(name, line), "needs \"text\" or \"words\"");
      }
    }
    if (w.empty() && cfg.task == Task::token_classification)
      for (auto& b : tok.basic_tokenize(s)) w.push_back(b.text), off.emplace_back(b.begin, b.end);
    texts.push_back(s);
    words.push_back(w);
    offsets.push_back(off);
  }
  std::string out;
  if (cfg.task == Task::token_classification) {
    std::vector<TaggedSentence> sents(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) sents[i].words = words[i], sents[i].tags.assign(words[i].size(), "O");
    Labels none;
    auto ex = encode_tagged(tok, sents, none, 128, true, stride, false, cfg.word_shape);
    auto pred = predict_examples(model, ex, batch);
    std::vector<size_t> lengths;
    for (auto& w : words) lengths.push_back(w.size());
    std::vector<std::vector<float>> scores;
    auto tags = sentence_tags(ex, pred, lengths, labels, &scores);
    for (size_t i = 0; i < texts.size(); ++i) {
      nlohmann::ordered_json j;
      j["text"] = texts[i];
      j["words"] = words[i];
      j["labels"] = tags[i];
      j["scores"] = scores[i];
      j["entities"] = nlohmann::json::array();
      for (auto& e : extract_entities(tags[i], false)) {
        float sc = 1;
        for (size_t k = e.begin; k < e.end; ++k) sc = std::min(sc, scores[i][k]);
        const uint32_t b = offsets[i][e.begin].first, en = offsets[i][e.end - 1].second;
        // the entity's text from the original characters
        std::string etext;
        {
          uint32_t ci = 0;
          for (size_t k = 0; k < texts[i].size();) {
            auto c = static_cast<unsigned char>(texts[i][k]);
            size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (ci >= b && ci < en) etext += texts[i].substr(k, len);
            k += len, ++ci;
          }
        }
        j["entities"].push_back({{"type", e.type}, {"start", b}, {"end", en}, {"text", etext}, {"score", sc}});
      }
      out += j.dump() + "\n";
    }
  } else {
    std::vector<TextRecord> recs(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) recs[i].text = texts[i], recs[i].place = place(name, static_cast<long>(i + 1));
    Labels none;
    auto ex = encode_records(tok, recs, Task::masked_lm, none, 128);
    auto pred = predict_examples(model, ex, batch);
    for (size_t i = 0; i < texts.size(); ++i) {
      nlohmann::ordered_json j;
      j["text"] = texts[i];
      if (cfg.task == Task::regression) {
        j["value"] = pred[i].probs[0];
      } else if (cfg.task == Task::multi_label) {
        std::vector<std::string> on;
        nlohmann::ordered_json sc;
        for (size_t k = 0; k < labels.names.size(); ++k) {
          sc[labels.names[k]] = pred[i].probs[k];
          if (pred[i].probs[k] >= 0.5f) on.push_back(labels.names[k]);
        }
        j["labels"] = on;
        j["scores"] = sc;
      } else {
        j["label"] = labels.names[static_cast<size_t>(pred[i].labels[0])];
        j["score"] = pred[i].scores[0];
      }
      out += j.dump() + "\n";
    }
  }
  if (output.empty() || output == "-") std::cout << out;
  else write_file_atomic(output, out);
}

}  // namespace xinzhi::text
