// The text stage: the log models (text/logs/log_models.hpp) on the maintenance logs in the
// warehouse (text_records, loaded by ingest): per language a fault-category classifier and an
// entity tagger trained from scratch and tested on the split of unseen sentence templates. The
// models go to the run folder's models/, the splits they saw to text/ (for `xinzhi text eval`).
// `xinzhi text logs` runs the same on a warehouse outside a pipeline.
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "pipeline/stages/stages.hpp"
#include "text/logs/log_models.hpp"

namespace xinzhi::pipeline {

namespace {

class TextStage : public Stage {
 public:
  explicit TextStage(const ConfigNode& s) {
    if (s.has("source"))  // the twin's own copy of the logs was a second way in; ingest loads them now
      s.fail_at("source", "is no longer a setting: the text stage reads the warehouse's text_records (put an ingest stage "
                          "after simulate)");
    auto& o = settings_;
    o.languages = s.get<std::vector<std::string>>("languages", {});
    o.languages_place = (s.has("languages") ? s.place_of("languages") : s.place()) + ": text.languages";
    o.size = s.get<std::string>("size", o.size);
    o.hidden = s.get<std::int64_t>("hidden", o.hidden);
    o.layers = s.get<std::int64_t>("layers", o.layers);
    o.heads = s.get<std::int64_t>("heads", o.heads);
    o.vocab_size = static_cast<std::size_t>(s.get<std::int64_t>("vocab_size", static_cast<std::int64_t>(o.vocab_size)));
    o.uncased = s.get<bool>("uncased", o.uncased);
    o.max_length = static_cast<std::size_t>(s.get<std::int64_t>("max_length", static_cast<std::int64_t>(o.max_length)));
    o.epochs = s.get<int>("epochs", o.epochs);
    o.lr = s.get<double>("lr", o.lr);
    o.batch_size = static_cast<std::size_t>(s.get<std::int64_t>("batch_size", static_cast<std::int64_t>(o.batch_size)));
    o.token_dropout = s.get<double>("token_dropout", o.token_dropout);
    if (s.has("entity_dropout")) o.entity_dropout = s.get<double>("entity_dropout", 0.0);
    o.threads = s.get<int>("threads", o.threads);
    seed_ = s.get<std::int64_t>("seed", -1);  // -1: the pipeline's
    o.crf = s.get<bool>("crf", o.crf);
    text::check(o, [&](const std::string& key, const std::string& why) { s.fail_at(key, why); });
    s.finish();
  }
  std::string name() const override { return "text"; }
  std::string title() const override { return "Text: fault categories and entities in the maintenance logs"; }

  StageResult run(RunContext& ctx) override {
    const std::vector<store::TextRecord> records = ctx.warehouse->text_records();
    if (records.empty())
      throw InputError("text", "no maintenance logs: the warehouse has no text_records (put an ingest stage after simulate)");
    text::LogModelSettings settings = settings_;
    settings.seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : ctx.seed;
    text::LogModelsReport report = text::train_log_models(records, settings, ctx.run_dir.string());
    StageResult r;
    r.metrics = std::move(report.metrics);
    r.html = std::move(report.html);
    r.summary = std::move(report.summary);
    return r;
  }

 private:
  text::LogModelSettings settings_;
  std::int64_t seed_ = -1;
};

}  // namespace

std::unique_ptr<Stage> make_text_stage(const ConfigNode& settings) { return std::make_unique<TextStage>(settings); }

}  // namespace xinzhi::pipeline
