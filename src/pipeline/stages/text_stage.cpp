// The text stage: trains, per language of the technicians' maintenance logs, a fault-category
// classifier (sequence classification) and an entity tagger (token classification, CRF
// optional) from scratch on the train split, keeps the best epoch on dev, and reports both on
// the test split, whose sentence templates training never saw: accuracy, macro-F1 and the
// per-class report next to the majority-class baseline; token-level and entity-level reports.
// The logs come from the warehouse (text_records, loaded by ingest) or, without ingest, from
// the twin's records/maintenance.jsonl.
#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "acquire/twin/text_records.hpp"
#include "acquire/twin/twin_layout.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/html.hpp"
#include "pipeline/stages/stages.hpp"
#include "text/train/fit.hpp"
#include "text/evaluate/metrics.hpp"
#include "text/model/model_config.hpp"

namespace xinzhi::pipeline {

namespace {

namespace fs = std::filesystem;

struct Span {
  int start, end;  // code points, [start, end)
  std::string type;
};

// One log as the text stage needs it, whichever source it came from.
struct LogRecord {
  std::string id, lang, split, text, label;
  std::vector<Span> entities;
};

std::vector<Span> parse_spans(const nlohmann::json& j, const std::string& where) {
  std::vector<Span> out;
  if (!j.is_array()) throw InputError(where, "entities: expected a list of [start, end, type]");
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_number_integer() || !e[1].is_number_integer() || !e[2].is_string() ||
        e[0].get<int>() < 0 || e[1].get<int>() <= e[0].get<int>())
      throw InputError(where, "entities: each must be [start, end, type] with 0 <= start < end");
    out.push_back({e[0].get<int>(), e[1].get<int>(), e[2].get<std::string>()});
  }
  return out;
}

std::vector<LogRecord> from_warehouse(store::Warehouse& wh) {
  std::vector<LogRecord> out;
  for (auto& r : wh.text_records()) {
    const std::string where = "warehouse text_records " + r.record_id;
    const auto j = nlohmann::json::parse(r.entities_json, nullptr, false);
    if (j.is_discarded()) throw InputError(where, "entities: not valid JSON");
    out.push_back({r.record_id, r.lang, r.split, std::move(r.text), std::move(r.label), parse_spans(j, where)});
  }
  return out;
}

std::vector<LogRecord> from_twin(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string(), "cannot open the twin's maintenance logs");
  std::vector<LogRecord> out;
  std::string line;
  for (long n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::string where = place(file.string(), n);
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw InputError(where, "not a JSON object");
    for (const char* key : {"id", "lang", "split", "text", "label"})
      if (!j.contains(key) || !j[key].is_string()) throw InputError(where, fmt::format("needs a \"{}\" string", key));
    out.push_back({j["id"], j["lang"], j["split"], j["text"], j["label"],
                   parse_spans(j.value("entities", nlohmann::json::array()), where)});
  }
  return out;
}

// BIO tags over the twin's tokenisation of the text (words for en, characters for zh); empty
// when an entity span cuts a token (such a record cannot be tagged word by word).
std::vector<std::pair<std::string, std::string>> bio_of(const LogRecord& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : acquire::bio_tokens(r.text, r.lang)) {
    std::string tag = "O";
    for (const auto& e : r.entities) {
      if (t.start >= e.end || t.end <= e.start) continue;
      if (t.start < e.start || t.end > e.end) return {};
      tag = (t.start == e.start ? "B-" : "I-") + e.type;
    }
    out.emplace_back(t.text, tag);
  }
  return out;
}

std::string language_name(const std::string& lang) {
  if (lang == "en") return "English";
  if (lang == "zh") return "Chinese";
  return lang;
}

std::string f3(double v) { return fmt::format("{:.3f}", v); }

class TextStage : public Stage {
 public:
  explicit TextStage(const ConfigNode& s) {
    source_ = s.get<std::string>("source", "auto");
    if (source_ != "auto" && source_ != "warehouse" && source_ != "twin")
      s.fail_at("source", "must be auto, warehouse or twin");
    languages_ = s.get<std::vector<std::string>>("languages", {});
    languages_place_ = s.has("languages") ? s.place_of("languages") : s.place();
    base_.size = s.get<std::string>("size", "tiny");
    if (base_.size != "tiny" && base_.size != "mini" && base_.size != "small" && base_.size != "base")
      s.fail_at("size", "must be tiny, mini, small or base");
    base_.hidden = s.get<std::int64_t>("hidden", 0);
    base_.layers = s.get<std::int64_t>("layers", 0);
    base_.heads = s.get<std::int64_t>("heads", 0);
    if (base_.hidden < 0) s.fail_at("hidden", "must be positive");
    if (base_.layers < 0) s.fail_at("layers", "must be positive");
    if (base_.heads < 0) s.fail_at("heads", "must be positive");
    base_.vocab_size = static_cast<std::size_t>(s.get<std::int64_t>("vocab_size", 2000));
    if (base_.vocab_size < 120) s.fail_at("vocab_size", "must be at least 120");
    base_.uncased = s.get<bool>("uncased", true);
    base_.max_length = static_cast<std::size_t>(s.get<std::int64_t>("max_length", 128));
    if (base_.max_length < 8 || base_.max_length > 512) s.fail_at("max_length", "must be between 8 and 512");
    auto& t = base_.train;
    t.epochs = s.get<int>("epochs", 12);
    if (t.epochs < 1) s.fail_at("epochs", "must be at least 1");
    t.lr = s.get<double>("lr", 2e-3);
    if (t.lr <= 0) s.fail_at("lr", "must be positive");
    t.batches.batch_size = static_cast<std::size_t>(s.get<std::int64_t>("batch_size", 32));
    if (t.batches.batch_size < 1) s.fail_at("batch_size", "must be at least 1");
    // Each input token masked with this probability in training: makes the models find categories
    // and entities from the context, which is what sentence templates never seen in training share.
    auto masking_probability = [&](const char* key) {
      const double p = s.get<double>(key, 0.0);
      if (p < 0 || p > 0.9) s.fail_at(key, "must be between 0 and 0.9");
      return p;
    };
    t.batches.token_dropout = masking_probability("token_dropout");
    // The entity tagger only: the tokens of entity words are masked with this (higher) probability,
    // so it learns to find names from their context. Off unless given: on the demo's logs (a
    // 64-wide, 1-layer tagger) 0.3 and 0.5 lowered entity F1 (en 0.697 -> 0.639 / 0.556, zh 0.383
    // -> 0.286 / 0.361), unlike BERT-mini on CoNLL-2003, where 0.7 gave the best dev and test.
    if (s.has("entity_dropout")) t.batches.entity_dropout = masking_probability("entity_dropout");
    // Models this small train fastest on one thread: two threads were 3x slower on the shared
    // 2-core machine (libtorch's workers wait for cores that other work holds).
    t.threads = s.get<int>("threads", 1);
    if (t.threads < 0) s.fail_at("threads", "must be 0 (libtorch's default) or more");
    {  // the shape the models get, for the report
      text::ModelConfig shape = text::ModelConfig::preset(base_.size);
      shape_ = {base_.hidden ? base_.hidden : shape.hidden_size, base_.layers ? base_.layers : shape.num_hidden_layers,
                base_.heads ? base_.heads : shape.num_attention_heads};
      if (shape_[0] % shape_[2] != 0) s.fail_at("heads", fmt::format("must divide the hidden size {}", shape_[0]));
    }
    seed_ = s.get<std::int64_t>("seed", -1);
    crf_ = s.get<bool>("crf", true);
    s.finish();
  }
  std::string name() const override { return "text"; }
  std::string title() const override { return "Text: fault categories and entities in the maintenance logs"; }

  StageResult run(RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    std::string source;
    const std::vector<LogRecord> records = load(ctx, source);

    // Languages: the configured ones, or every one present.
    std::map<std::string, std::vector<const LogRecord*>> by_lang;
    for (const auto& r : records) by_lang[r.lang].push_back(&r);
    std::vector<std::string> langs = languages_;
    if (langs.empty())
      for (const auto& [lang, recs] : by_lang) langs.push_back(lang);
    for (const auto& l : langs)
      if (!by_lang.count(l)) throw InputError(languages_place_, fmt::format("text.languages: no records in language '{}'", l));

    StageResult r;
    auto& m = r.metrics;
    m["source"] = source;
    m["records"] = records.size();
    m["model"] = {{"preset", base_.size}, {"hidden", shape_[0]}, {"layers", shape_[1]}, {"heads", shape_[2]},
                  {"vocab_size", base_.vocab_size}, {"uncased", base_.uncased}, {"lr", base_.train.lr},
                  {"batch_size", base_.train.batches.batch_size}, {"threads", base_.train.threads},
                  {"token_dropout", base_.train.batches.token_dropout},
                  {"entity_dropout", std::max(0.0, base_.train.batches.entity_dropout)}};
    m["epochs"] = base_.train.epochs;
    m["crf"] = crf_;
    m["languages"] = nlohmann::json::object();
    std::vector<std::vector<std::string>> summary_rows;
    std::string sections;
    std::vector<std::string> summary_parts;
    for (const auto& lang : langs) {
      nlohmann::json lm;
      sections += run_language(ctx, lang, by_lang[lang], lm, summary_rows);
      m["languages"][lang] = lm;
      summary_parts.push_back(fmt::format("{} accuracy {:.3f} (baseline {:.3f}), entity F1 {:.3f}", lang,
                                          lm["classifier"]["test"]["accuracy"].get<double>(),
                                          lm["classifier"]["majority_baseline"]["accuracy"].get<double>(),
                                          lm["tagger"]["test"]["entity"]["micro avg"]["f1"].get<double>()));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m["seconds"] = seconds;

    r.html += fmt::format(
        "<p>{} maintenance and inspection logs from the {}. For each language a fault-category classifier and an "
        "entity tagger{} were trained from scratch (a BERT encoder of hidden size {}, {} layer(s), {} heads; a WordPiece "
        "vocabulary built from the training text; {} epochs, the best epoch on the dev split kept) and tested on the test split, whose sentence "
        "templates training never saw; {:.1f} s in all. The models are in the run folder under models/, the data "
        "they saw under text/ (<code>xinzhi text eval MODEL DATA</code> reproduces each report).</p>",
        records.size(), source == "warehouse" ? "warehouse (text_records)" : "twin's records/maintenance.jsonl",
        crf_ ? " (with a CRF layer)" : "", shape_[0], shape_[1], shape_[2], base_.train.epochs, seconds);
    r.html += html::table({"language", "model", "#train", "#test", "#parameters", "#seconds", "#accuracy",
                           "#macro-F1", "#majority baseline acc.", "#entity P", "#entity R", "#entity F1",
                           "#token micro-F1"},
                          summary_rows);
    r.html += sections;
    r.summary = fmt::format("{}", fmt::join(summary_parts, "; "));
    return r;
  }

 private:
  std::vector<LogRecord> load(RunContext& ctx, std::string& source) const {
    const auto twin = ctx.outputs.find("twin_dir");
    if (source_ != "twin") {
      auto recs = from_warehouse(*ctx.warehouse);
      if (!recs.empty() || source_ == "warehouse") {
        if (recs.empty())
          throw InputError("text.source", "the warehouse has no text_records (put an ingest stage after simulate)");
        source = "warehouse";
        return recs;
      }
    }
    if (twin == ctx.outputs.end())
      throw InputError("text", "no maintenance logs: the warehouse has no text_records and no simulate stage ran before");
    source = "twin";
    auto recs = from_twin(fs::path(twin->second) / acquire::twin_layout::kMaintenanceJsonl);
    if (recs.empty()) throw InputError("text", "the twin wrote no maintenance logs (records.count is 0?)");
    return recs;
  }

  // Writes the language's splits under text/, trains and tests both models, and returns the
  // language's report section.
  std::string run_language(RunContext& ctx, const std::string& lang, const std::vector<const LogRecord*>& recs,
                           nlohmann::json& lm, std::vector<std::vector<std::string>>& summary_rows) const {
    const fs::path data_dir = ctx.run_dir / "text";
    fs::create_directories(data_dir);
    // Labels and tags that training has: test or dev records with others cannot be scored by
    // these models and are left out (counted).
    std::set<std::string> train_labels, train_tags;
    std::map<std::string, std::size_t> split_count, left_out;
    std::map<std::string, std::vector<const LogRecord*>> split;
    std::map<std::string, std::vector<std::vector<std::pair<std::string, std::string>>>> tagged;
    for (const LogRecord* r : recs) {
      if (r->split != "train" && r->split != "dev" && r->split != "test")
        throw InputError("record " + r->id, fmt::format("unknown split '{}' (train, dev or test)", r->split));
      split[r->split].push_back(r);
      ++split_count[r->split];
    }
    if (split["train"].empty()) throw InputError("text", fmt::format("no training records in language '{}'", lang));
    if (split["test"].empty()) throw InputError("text", fmt::format("no test records in language '{}'", lang));
    std::map<std::string, std::size_t> train_label_count;
    for (const LogRecord* r : split["train"]) {
      train_labels.insert(r->label), ++train_label_count[r->label];
      auto bio = bio_of(*r);
      if (bio.empty()) {
        ++left_out["train: entity span cuts a token"];
        continue;
      }
      for (auto& [w, t] : bio) train_tags.insert(t);
      tagged["train"].push_back(std::move(bio));
    }
    std::map<std::string, std::vector<const LogRecord*>> classified;  // what the classifier sees
    classified["train"] = split["train"];
    for (const char* name : {"dev", "test"}) {
      for (const LogRecord* r : split[name]) {
        if (train_labels.count(r->label)) classified[name].push_back(r);
        else ++left_out[fmt::format("{}: category not in training", name)];
        auto bio = bio_of(*r);
        bool known = !bio.empty();
        if (bio.empty()) ++left_out[fmt::format("{}: entity span cuts a token", name)];
        for (auto& [w, t] : bio) known = known && train_tags.count(t);
        if (!bio.empty() && !known) ++left_out[fmt::format("{}: entity type not in training", name)];
        if (known) tagged[name].push_back(std::move(bio));
      }
    }
    auto file = [&](const std::string& name, const char* ext) {
      return (data_dir / fmt::format("{}.{}.{}", name, lang, ext)).string();
    };
    for (const char* name : {"train", "dev", "test"}) {
      std::string jsonl, bio;
      for (const LogRecord* r : classified[name]) jsonl += nlohmann::json{{"text", r->text}, {"label", r->label}}.dump() + "\n";
      for (const auto& sent : tagged[name]) {
        for (const auto& [w, t] : sent) bio += w + " " + t + "\n";
        bio += "\n";
      }
      write_file_atomic(file(name, "jsonl"), jsonl);
      write_file_atomic(file(name, "bio"), bio);
    }
    if (classified["test"].empty() || tagged["test"].empty())
      throw InputError("text", fmt::format("no test records in language '{}' that training can score", lang));

    lm["records"] = split_count;
    lm["left_out"] = left_out;

    // The majority-class baseline: always say the training split's most frequent category.
    const auto majority = std::max_element(train_label_count.begin(), train_label_count.end(),
                                           [](const auto& a, const auto& b) { return a.second < b.second; })->first;
    std::vector<std::string> gold, base;
    for (const LogRecord* r : classified["test"]) gold.push_back(r->label), base.push_back(majority);
    const text::ClassReport baseline = text::label_report(gold, base);

    auto command = [&](text::Task task, const std::string& model) {
      text::TrainCommand c = base_;
      c.task = task;
      c.crf = task == text::Task::token_classification && crf_;
      if (task != text::Task::token_classification) c.train.batches.entity_dropout = -1;  // a tagger's option
      const char* ext = task == text::Task::token_classification ? "bio" : "jsonl";
      c.train_file = file("train", ext);
      c.dev_file = (task == text::Task::token_classification ? tagged["dev"].empty() : classified["dev"].empty())
                       ? ""
                       : file("dev", ext);
      c.out_dir = (ctx.run_dir / "models" / fmt::format("text-{}-{}", lang, model)).string();
      c.train.seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : ctx.seed;
      return c;
    };
    const std::string lname = language_name(lang);
    spdlog::info("text: {}: training the fault-category classifier on {} records", lname, classified["train"].size());
    const text::FitResult cls = text::fit_and_test(command(text::Task::sequence_classification, "fault-classifier"),
                                                   file("test", "jsonl"));
    spdlog::info("text: {}: training the entity tagger on {} records", lname, tagged["train"].size());
    const text::FitResult ner =
        text::fit_and_test(command(text::Task::token_classification, "entity-tagger"), file("test", "bio"));

    auto model_json = [&](const text::FitResult& f, std::size_t train_n, std::size_t test_n) {
      nlohmann::json j;
      j["model_dir"] = fs::relative(f.model_dir, ctx.run_dir).string();
      j["labels"] = f.labels;
      j["parameters"] = f.parameters;
      j["vocab_size"] = f.vocab_size;
      j["train_records"] = train_n;
      j["test_records"] = test_n;
      j["steps"] = f.train.steps;
      j["best_step"] = f.train.best_step;
      j["first_loss"] = f.train.losses.empty() ? 0.0 : f.train.losses.front();
      j["last_loss"] = f.train.losses.empty() ? 0.0 : f.train.losses.back();
      j["train_seconds"] = f.train_seconds;
      j["test_seconds"] = f.test_seconds;
      j["dev"] = f.dev.metrics.is_null() ? nlohmann::json::object() : nlohmann::json(f.dev.metrics);
      j["test"] = nlohmann::json(f.test.metrics);
      return j;
    };
    lm["classifier"] = model_json(cls, classified["train"].size(), classified["test"].size());
    lm["classifier"]["majority_baseline"] = {
        {"label", majority}, {"accuracy", baseline.accuracy}, {"macro_f1", baseline.macro.f1}};
    lm["tagger"] = model_json(ner, tagged["train"].size(), tagged["test"].size());
    lm["tagger"]["crf"] = crf_;

    const auto& ct = cls.test.metrics;
    const auto& nt = ner.test.metrics;
    const auto& ent = nt["entity"]["micro avg"];
    summary_rows.push_back({lname, "fault classifier", std::to_string(classified["train"].size()),
                            std::to_string(classified["test"].size()), std::to_string(cls.parameters),
                            fmt::format("{:.1f}", cls.train_seconds + cls.test_seconds), f3(ct["accuracy"].get<double>()),
                            f3(ct["macro_f1"].get<double>()), f3(baseline.accuracy), "", "", "", ""});
    summary_rows.push_back({lname, crf_ ? "entity tagger (CRF)" : "entity tagger",
                            std::to_string(tagged["train"].size()), std::to_string(tagged["test"].size()),
                            std::to_string(ner.parameters), fmt::format("{:.1f}", ner.train_seconds + ner.test_seconds),
                            "", "", "", f3(ent["precision"].get<double>()), f3(ent["recall"].get<double>()),
                            f3(ent["f1"].get<double>()), f3(nt["token"]["micro avg"]["f1"].get<double>())});

    auto kept = [](const text::FitResult& f) {
      return f.train.best_step >= 0 ? fmt::format("the checkpoint of step {} of {} kept on dev", f.train.best_step, f.train.steps)
                                    : fmt::format("{} steps (no dev records: the last model kept)", f.train.steps);
    };
    std::string html;
    html += fmt::format("<h3>{} ({}): fault-category classifier</h3>", lname, lang);
    html += fmt::format(
        "<p>{} training records, {} dev, {} test; {} parameters, {}-entry vocabulary; {}; loss {:.3f} → {:.3f}; "
        "{:.1f} s. On the test split: <b>accuracy {:.3f}, macro-F1 {:.3f}</b>; the majority-class baseline (always "
        "'{}') scores accuracy {:.3f}, macro-F1 {:.3f}. Model: <code>{}</code>.</p>",
        classified["train"].size(), classified["dev"].size(), classified["test"].size(), cls.parameters, cls.vocab_size,
        kept(cls), lm["classifier"]["first_loss"].get<double>(), lm["classifier"]["last_loss"].get<double>(),
        cls.train_seconds + cls.test_seconds, ct["accuracy"].get<double>(), ct["macro_f1"].get<double>(),
        html::escape(majority), baseline.accuracy, baseline.macro.f1,
        html::escape(lm["classifier"]["model_dir"].get<std::string>()));
    html += "<pre>" + html::escape(cls.test.text) + "</pre>";
    html += fmt::format("<h3>{} ({}): entity tagger{}</h3>", lname, lang, crf_ ? " (CRF)" : "");
    html += fmt::format(
        "<p>{} training records, {} dev, {} test; {} parameters, {}-entry vocabulary; {}; loss {:.3f} → {:.3f}; "
        "{:.1f} s. On the test split: <b>entity precision {:.3f}, recall {:.3f}, F1 {:.3f}</b> (conlleval), token "
        "micro-F1 {:.3f}. Model: <code>{}</code>.</p>",
        tagged["train"].size(), tagged["dev"].size(), tagged["test"].size(), ner.parameters, ner.vocab_size, kept(ner),
        lm["tagger"]["first_loss"].get<double>(), lm["tagger"]["last_loss"].get<double>(),
        ner.train_seconds + ner.test_seconds, ent["precision"].get<double>(), ent["recall"].get<double>(),
        ent["f1"].get<double>(), nt["token"]["micro avg"]["f1"].get<double>(),
        html::escape(lm["tagger"]["model_dir"].get<std::string>()));
    html += "<pre>" + html::escape(ner.test.text) + "</pre>";
    if (!left_out.empty()) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [why, n] : left_out) rows.push_back({why, std::to_string(n)});
      html += "<p>Records these models could not use, by reason:</p>" + html::table({"reason", "#records"}, rows);
    }
    return html;
  }

  std::string source_;
  std::vector<std::string> languages_;
  std::string languages_place_;
  text::TrainCommand base_;
  std::array<std::int64_t, 3> shape_{};  // hidden, layers, heads
  std::int64_t seed_ = -1;
  bool crf_ = true;
};

}  // namespace

std::unique_ptr<Stage> make_text_stage(const ConfigNode& settings) { return std::make_unique<TextStage>(settings); }

}  // namespace xinzhi::pipeline
