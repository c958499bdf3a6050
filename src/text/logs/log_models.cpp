#include "text/logs/log_models.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/html.hpp"
#include "core/stopwatch.hpp"
#include "text/evaluate/metrics.hpp"
#include "text/logs/log_data.hpp"
#include "text/model/model_config.hpp"
#include "text/train/driver.hpp"

namespace xinzhi::text {

namespace {

namespace fs = std::filesystem;

std::string language_name(const std::string& lang) {
  if (lang == "en") return "English";
  if (lang == "zh") return "Chinese";
  return lang;
}

std::string f3(double v) { return fmt::format("{:.3f}", v); }

// hidden, layers, heads of the models (the preset's, or as overridden), for the report.
std::array<int64_t, 3> model_shape(const LogModelSettings& s) {
  const ModelConfig preset = ModelConfig::preset(s.size);
  return {s.hidden ? s.hidden : preset.hidden_size, s.layers ? s.layers : preset.num_hidden_layers,
          s.heads ? s.heads : preset.num_attention_heads};
}

TrainSettings train_settings(const LogModelSettings& s, Task task) {
  TrainSettings c;
  c.task = task;
  c.size = s.size;
  c.hidden = s.hidden, c.layers = s.layers, c.heads = s.heads;
  c.vocab_size = s.vocab_size;
  c.uncased = s.uncased;
  c.max_length = s.max_length;
  c.crf = task == Task::token_classification && s.crf;
  c.train.epochs = s.epochs;
  c.train.lr = s.lr;
  c.train.batches.batch_size = s.batch_size;
  c.train.batches.token_dropout = s.token_dropout;
  if (task == Task::token_classification && s.entity_dropout) c.train.batches.entity_dropout = *s.entity_dropout;
  c.train.threads = s.threads;
  c.train.seed = s.seed;
  return c;
}

// One model trained and tested: trained in "<model_dir>.work", its kept checkpoint renamed to
// model_dir (which so holds a complete model or nothing), then that checkpoint tested.
struct FittedModel {
  std::string model_dir;
  TrainedText trained;
  EvalResult test;
  int64_t parameters = 0;
  size_t vocab_size = 0;
  double train_seconds = 0, test_seconds = 0;
};

FittedModel fit_and_test(const TextData& train, const TextData& dev, const TextData& test, TrainSettings settings,
                         const fs::path& model_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path work = model_dir.string() + ".work";
  fs::remove_all(work);
  fs::create_directories(work);
  settings.train.out_dir = work.string();
  FittedModel f;
  f.trained = train_text_model(train, dev.empty() ? nullptr : &dev, settings);
  f.train_seconds = seconds_since(t0);
  f.parameters = f.trained.model->num_parameters();
  f.vocab_size = f.trained.tokenizer->vocab().size();

  // The kept checkpoint into place (the last epoch's optimizer state is not kept), then test it.
  fs::remove_all(model_dir);
  fs::create_directories(model_dir.parent_path());
  fs::rename(work / "best", model_dir);
  fsync_dir(model_dir.parent_path().string());
  fs::remove_all(work);
  f.model_dir = model_dir.string();

  const auto t1 = std::chrono::steady_clock::now();
  Model kept = Model::load(f.model_dir);
  if (settings.train.threads > 0) kept.set_threads(settings.train.threads);
  f.test = evaluate(kept, *f.trained.tokenizer, test, settings.max_length, settings.stride, settings.eval_batch);
  f.test_seconds = seconds_since(t1);
  return f;
}

// Trains and tests both models of a language; fills its metrics and summary rows, returns its
// report section.
std::string run_language(const LogModelSettings& s, const fs::path& out_dir, const LogSplits& d, nlohmann::json& lm,
                         std::vector<std::vector<std::string>>& summary_rows) {
  const std::string& lang = d.lang;
  const auto& classified = d.classified;
  const auto& tagged = d.tagged;
  if (classified.at("test").empty() || tagged.at("test").empty())
    throw InputError("text", fmt::format("no test records in language '{}' that training can score", lang));

  lm["records"] = d.records;
  lm["left_out"] = d.left_out;

  // The majority-class baseline: always say the training split's most frequent category.
  const auto majority = std::max_element(d.train_label_count.begin(), d.train_label_count.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  std::vector<std::string> gold, base;
  for (const TextRecord& r : classified.at("test").records) gold.push_back(r.labels[0]), base.push_back(majority);
  const ClassReport baseline = label_report(gold, base);

  const fs::path models = out_dir / "models";
  const std::string lname = language_name(lang);
  spdlog::info("text: {}: training the fault-category classifier on {} records", lname, classified.at("train").size());
  const FittedModel cls = fit_and_test(classified.at("train"), classified.at("dev"), classified.at("test"),
                                       train_settings(s, Task::sequence_classification),
                                       models / fmt::format("text-{}-fault-classifier", lang));
  spdlog::info("text: {}: training the entity tagger on {} records", lname, tagged.at("train").size());
  const FittedModel ner = fit_and_test(tagged.at("train"), tagged.at("dev"), tagged.at("test"),
                                       train_settings(s, Task::token_classification),
                                       models / fmt::format("text-{}-entity-tagger", lang));

  auto model_json = [&](const FittedModel& f, size_t train_n, size_t test_n) {
    const TrainResult& t = f.trained.result;
    nlohmann::json j;
    j["model_dir"] = fs::relative(f.model_dir, out_dir).string();
    j["labels"] = f.trained.labels.names;
    j["parameters"] = f.parameters;
    j["vocab_size"] = f.vocab_size;
    j["train_records"] = train_n;
    j["test_records"] = test_n;
    j["steps"] = t.steps;
    j["best_step"] = t.best_step;
    j["first_loss"] = t.losses.empty() ? 0.0 : t.losses.front();
    j["last_loss"] = t.losses.empty() ? 0.0 : t.losses.back();
    j["train_seconds"] = f.train_seconds;
    j["test_seconds"] = f.test_seconds;
    j["dev"] = f.trained.dev.metrics.is_null() ? nlohmann::json::object() : nlohmann::json(f.trained.dev.metrics);
    j["test"] = nlohmann::json(f.test.metrics);
    return j;
  };
  const size_t cls_train = classified.at("train").size(), cls_dev = classified.at("dev").size(),
               cls_test = classified.at("test").size();
  const size_t ner_train = tagged.at("train").size(), ner_dev = tagged.at("dev").size(), ner_test = tagged.at("test").size();
  lm["classifier"] = model_json(cls, cls_train, cls_test);
  lm["classifier"]["majority_baseline"] = {
      {"label", majority}, {"accuracy", baseline.accuracy}, {"macro_f1", baseline.macro.f1}};
  lm["tagger"] = model_json(ner, ner_train, ner_test);
  lm["tagger"]["crf"] = s.crf;

  const auto& ct = cls.test.metrics;
  const auto& nt = ner.test.metrics;
  const auto& ent = nt["entity"]["micro avg"];
  summary_rows.push_back({lname, "fault classifier", std::to_string(cls_train), std::to_string(cls_test),
                          std::to_string(cls.parameters), fmt::format("{:.1f}", cls.train_seconds + cls.test_seconds),
                          f3(ct["accuracy"].get<double>()), f3(ct["macro_f1"].get<double>()), f3(baseline.accuracy), "",
                          "", "", ""});
  summary_rows.push_back({lname, s.crf ? "entity tagger (CRF)" : "entity tagger", std::to_string(ner_train),
                          std::to_string(ner_test), std::to_string(ner.parameters),
                          fmt::format("{:.1f}", ner.train_seconds + ner.test_seconds), "", "", "",
                          f3(ent["precision"].get<double>()), f3(ent["recall"].get<double>()), f3(ent["f1"].get<double>()),
                          f3(nt["token"]["micro avg"]["f1"].get<double>())});

  // What each model's paragraph starts with: its data, size, kept checkpoint, loss and time.
  auto trained_on = [](const FittedModel& f, size_t train_n, size_t dev_n, size_t test_n, const nlohmann::json& mj) {
    const TrainResult& t = f.trained.result;
    const std::string kept = t.best_step >= 0
                                 ? fmt::format("the checkpoint of step {} of {} kept on dev", t.best_step, t.steps)
                                 : fmt::format("{} steps (no dev records: the last model kept)", t.steps);
    return fmt::format("{} training records, {} dev, {} test; {} parameters, {}-entry vocabulary; {}; loss {:.3f} → "
                       "{:.3f}; {:.1f} s.",
                       train_n, dev_n, test_n, f.parameters, f.vocab_size, kept, mj["first_loss"].get<double>(),
                       mj["last_loss"].get<double>(), f.train_seconds + f.test_seconds);
  };
  std::string html;
  html += fmt::format("<h3>{} ({}): fault-category classifier</h3>", lname, lang);
  html += fmt::format(
      "<p>{} On the test split: <b>accuracy {:.3f}, macro-F1 {:.3f}</b>; the majority-class baseline (always '{}') "
      "scores accuracy {:.3f}, macro-F1 {:.3f}. Model: <code>{}</code>.</p>",
      trained_on(cls, cls_train, cls_dev, cls_test, lm["classifier"]), ct["accuracy"].get<double>(),
      ct["macro_f1"].get<double>(), html::escape(majority), baseline.accuracy, baseline.macro.f1,
      html::escape(lm["classifier"]["model_dir"].get<std::string>()));
  html += "<pre>" + html::escape(cls.test.text) + "</pre>";
  html += fmt::format("<h3>{} ({}): entity tagger{}</h3>", lname, lang, s.crf ? " (CRF)" : "");
  html += fmt::format(
      "<p>{} On the test split: <b>entity precision {:.3f}, recall {:.3f}, F1 {:.3f}</b> (conlleval), token micro-F1 "
      "{:.3f}. Model: <code>{}</code>.</p>",
      trained_on(ner, ner_train, ner_dev, ner_test, lm["tagger"]), ent["precision"].get<double>(),
      ent["recall"].get<double>(), ent["f1"].get<double>(), nt["token"]["micro avg"]["f1"].get<double>(),
      html::escape(lm["tagger"]["model_dir"].get<std::string>()));
  html += "<pre>" + html::escape(ner.test.text) + "</pre>";
  if (!d.left_out.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [why, n] : d.left_out) rows.push_back({why, std::to_string(n)});
    html += "<p>Records these models could not use, by reason:</p>" + html::table({"reason", "#records"}, rows);
  }
  return html;
}

}  // namespace

void check(const LogModelSettings& s, const std::function<void(const std::string& key, const std::string& why)>& fail_at) {
  auto fail = [&](const std::string& key, const std::string& why) {
    fail_at(key, why);
    throw InputError(key, why);  // fail_at is meant to throw; this line is only reached when it does not
  };
  if (s.size != "tiny" && s.size != "mini" && s.size != "small" && s.size != "base")
    fail("size", "must be tiny, mini, small or base");
  if (s.hidden < 0) fail("hidden", "must be positive");
  if (s.layers < 0) fail("layers", "must be positive");
  if (s.heads < 0) fail("heads", "must be positive");
  if (s.vocab_size < 120) fail("vocab_size", "must be at least 120");
  if (s.max_length < 8 || s.max_length > 512) fail("max_length", "must be between 8 and 512");
  if (s.epochs < 1) fail("epochs", "must be at least 1");
  if (s.lr <= 0) fail("lr", "must be positive");
  if (s.batch_size < 1) fail("batch_size", "must be at least 1");
  if (s.token_dropout < 0 || s.token_dropout > 0.9) fail("token_dropout", "must be between 0 and 0.9");
  if (s.entity_dropout && (*s.entity_dropout < 0 || *s.entity_dropout > 0.9))
    fail("entity_dropout", "must be between 0 and 0.9");
  if (s.threads < 0) fail("threads", "must be 0 (libtorch's default) or more");
  const auto shape = model_shape(s);
  if (shape[0] % shape[2] != 0) fail("heads", fmt::format("must divide the hidden size {}", shape[0]));
}

LogModelsReport train_log_models(const std::vector<store::TextRecord>& records, const LogModelSettings& s,
                                 const std::string& out_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  if (records.empty()) throw InputError("text_records", "no maintenance logs: there are no text records");
  const fs::path out(out_dir);

  // Languages: the configured ones, or every one present.
  std::map<std::string, std::vector<const store::TextRecord*>> by_lang;
  for (const auto& r : records) by_lang[r.lang].push_back(&r);
  std::vector<std::string> langs = s.languages;
  if (langs.empty())
    for (const auto& [lang, recs] : by_lang) langs.push_back(lang);
  for (const auto& l : langs)
    if (!by_lang.count(l)) throw InputError(s.languages_place, fmt::format("no records in language '{}'", l));

  const auto shape = model_shape(s);
  LogModelsReport r;
  r.models_dir = (out / "models").string();
  auto& m = r.metrics;
  m["source"] = "warehouse";
  m["records"] = records.size();
  m["model"] = {{"preset", s.size}, {"hidden", shape[0]}, {"layers", shape[1]}, {"heads", shape[2]},
                {"vocab_size", s.vocab_size}, {"uncased", s.uncased}, {"lr", s.lr},
                {"batch_size", s.batch_size}, {"threads", s.threads},
                {"token_dropout", s.token_dropout},
                {"entity_dropout", std::max(0.0, s.entity_dropout.value_or(0.0))}};
  m["epochs"] = s.epochs;
  m["crf"] = s.crf;
  m["languages"] = nlohmann::json::object();
  std::vector<std::vector<std::string>> summary_rows;
  std::string sections;
  std::vector<std::string> summary_parts;
  for (const auto& lang : langs) {
    // The language's splits in memory (and as files under text/ for `xinzhi text eval`).
    const LogSplits splits = split_logs(by_lang[lang], lang);
    write_split_files(splits, (out / "text").string());
    nlohmann::json lm;
    sections += run_language(s, out, splits, lm, summary_rows);
    m["languages"][lang] = lm;
    summary_parts.push_back(fmt::format("{} accuracy {:.3f} (baseline {:.3f}), entity F1 {:.3f}", lang,
                                        lm["classifier"]["test"]["accuracy"].get<double>(),
                                        lm["classifier"]["majority_baseline"]["accuracy"].get<double>(),
                                        lm["tagger"]["test"]["entity"]["micro avg"]["f1"].get<double>()));
  }
  const double seconds = seconds_since(t0);
  m["seconds"] = seconds;

  r.html += fmt::format(
      "<p>{} maintenance and inspection logs from the warehouse (text_records). For each language a fault-category "
      "classifier and an entity tagger{} were trained from scratch (a BERT encoder of hidden size {}, {} layer(s), {} "
      "heads; a WordPiece vocabulary built from the training text; {} epochs, the best epoch on the dev split kept) and "
      "tested on the test split, whose sentence templates training never saw; {:.1f} s in all. The models are in the "
      "run folder under models/, the data they saw under text/ (<code>xinzhi text eval MODEL DATA</code> reproduces "
      "each report).</p>",
      records.size(), s.crf ? " (with a CRF layer)" : "", shape[0], shape[1], shape[2], s.epochs, seconds);
  r.html += html::table({"language", "model", "#train", "#test", "#parameters", "#seconds", "#accuracy", "#macro-F1",
                         "#majority baseline acc.", "#entity P", "#entity R", "#entity F1", "#token micro-F1"},
                        summary_rows);
  r.html += sections;
  r.summary = fmt::format("{}", fmt::join(summary_parts, "; "));
  return r;
}

}  // namespace xinzhi::text
