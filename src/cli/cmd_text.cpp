// `xinzhi text ...`: BERT-style text models: build a WordPiece vocabulary, tokenize, and (with
// libtorch) train, evaluate, predict and tune classification, regression and NER models, and
// train the maintenance-log models of the pipeline's text stage from a warehouse.
#include "cli/commands.hpp"
#include "cli/text_commands.hpp"

namespace xinzhi::cli {

void add_text_command(CLI::App& app) {
  CLI::App* text = app.add_subcommand("text", "BERT-style text models: vocabulary, tokenizer, train, evaluate, predict, tune");
  text->require_subcommand(1);
  add_text_vocab_command(*text);
  add_text_tokenize_command(*text);
  add_text_train_command(*text);
  add_text_eval_command(*text);
  add_text_predict_command(*text);
  add_text_tune_command(*text);
  add_text_logs_command(*text);
}

}  // namespace xinzhi::cli
