// `xinzhi text logs --db WAREHOUSE -o DIR`: the pipeline text stage's log models on a warehouse's
// maintenance logs (text_records), outside a pipeline: per language the fault-category
// classifier and the entity tagger, trained and tested as the stage does with the same settings
// (the stage's keys as options), their figures printed and DIR/metrics.json holding the JSON the
// stage puts in its metrics.json; the models in DIR/models/, the splits in DIR/text/.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/text_commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "store/warehouse.hpp"
#include "text/logs/log_models.hpp"

namespace xinzhi::cli {

namespace {

struct LogsOptions {
  std::string db, out;
  text::LogModelSettings settings;
};

// The option of a setting: the stage's key with '-' for '_'.
std::string option_of(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return "--" + key;
}

void print_figures(const nlohmann::json& metrics) {
  for (const auto& [lang, lm] : metrics["languages"].items()) {
    const auto& c = lm["classifier"];
    const auto& t = lm["tagger"]["test"];
    const auto& ent = t["entity"]["micro avg"];
    std::cout << fmt::format("{}: fault classifier: accuracy {:.4f}, macro-F1 {:.4f} (majority baseline accuracy {:.4f}, "
                             "macro-F1 {:.4f}); {} train, {} test records\n",
                             lang, c["test"]["accuracy"].get<double>(), c["test"]["macro_f1"].get<double>(),
                             c["majority_baseline"]["accuracy"].get<double>(),
                             c["majority_baseline"]["macro_f1"].get<double>(), c["train_records"].get<size_t>(),
                             c["test_records"].get<size_t>());
    std::cout << fmt::format("{}: entity tagger{}: entity precision {:.4f}, recall {:.4f}, F1 {:.4f}; token micro-F1 "
                             "{:.4f}; {} train, {} test records\n",
                             lang, lm["tagger"]["crf"].get<bool>() ? " (CRF)" : "", ent["precision"].get<double>(),
                             ent["recall"].get<double>(), ent["f1"].get<double>(),
                             t["token"]["micro avg"]["f1"].get<double>(), lm["tagger"]["train_records"].get<size_t>(),
                             lm["tagger"]["test_records"].get<size_t>());
  }
}

void run_logs(LogsOptions o) {
  text::LogModelSettings& s = o.settings;
  text::check(s, [](const std::string& key, const std::string& why) { throw InputError(option_of(key), why); });
  store::Warehouse wh(o.db, /*create=*/false);
  const std::vector<store::TextRecord> records = wh.text_records();
  if (records.empty())
    throw InputError(o.db, "no maintenance logs: the warehouse has no text_records (a pipeline's ingest stage after "
                           "simulate loads them)");
  const text::LogModelsReport report = text::train_log_models(records, s, o.out);
  write_file_atomic((std::filesystem::path(o.out) / "metrics.json").string(), report.metrics.dump(2) + "\n");
  print_figures(report.metrics);
  std::cout << fmt::format("models: {}; figures: {}\n", report.models_dir,
                           (std::filesystem::path(o.out) / "metrics.json").string());
}

}  // namespace

void add_text_logs_command(CLI::App& text) {
  auto o = std::make_shared<LogsOptions>();
  text::LogModelSettings& s = o->settings;
  CLI::App* cmd = text.add_subcommand(
      "logs", "Train and test the maintenance-log models of the pipeline's text stage on a warehouse's text_records: per "
              "language a fault-category classifier and an entity tagger; figures printed and in OUT/metrics.json");
  cmd->add_option("--db", o->db, "Warehouse file with text_records (a pipeline run's warehouse.db)")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", o->out, "Output folder (metrics.json, models/, text/)")->required();
  cmd->add_option("--size", s.size, "Model size preset: tiny, mini, small, base")->capture_default_str();
  cmd->add_option("--hidden", s.hidden, "Hidden size (0: the preset's)")->capture_default_str();
  cmd->add_option("--layers", s.layers, "Number of layers (0: the preset's)")->capture_default_str();
  cmd->add_option("--heads", s.heads, "Attention heads (0: the preset's)")->capture_default_str();
  cmd->add_option("--vocab-size", s.vocab_size, "Size of the WordPiece vocabulary built from each training split")
      ->capture_default_str();
  cmd->add_option("--uncased", s.uncased, "Lowercase and strip accents (true or false)")->capture_default_str();
  cmd->add_option("--max-length", s.max_length, "Tokens per example, [CLS] and [SEP] included")->capture_default_str();
  cmd->add_option("--epochs", s.epochs, "Passes over the training split (the best epoch on dev is kept)")->capture_default_str();
  cmd->add_option("--lr", s.lr, "Peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--batch-size", s.batch_size, "Examples per batch")->capture_default_str();
  cmd->add_option("--token-dropout", s.token_dropout, "Training only: each input token becomes [MASK] with this probability")
      ->capture_default_str();
  cmd->add_option("--entity-dropout", s.entity_dropout,
                  "The tagger's training only: the tokens of entity words become [MASK] with this probability (default: off)");
  cmd->add_option("--threads", s.threads, "CPU threads (0: libtorch's default)")->capture_default_str();
  cmd->add_option("--seed", s.seed, "Seed of initialisation, shuffling, masking and dropout (a pipeline's: its seed)")
      ->capture_default_str();
  cmd->add_option("--crf", s.crf, "The tagger decodes with a CRF layer (true or false)")->capture_default_str();
  cmd->add_option("--languages", s.languages, "Languages to train, comma-separated (default: every one present)")
      ->delimiter(',');
  s.languages_place = "--languages";
  cmd->callback([o] { run_logs(*o); });
}

}  // namespace xinzhi::cli
