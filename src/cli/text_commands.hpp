// The subcommands of `xinzhi text`, one file each (text_<name>_command.cpp): each adds its
// options, help text and the function it runs to the `text` command.
#pragma once

#include <CLI/CLI.hpp>

namespace xinzhi::cli {

void add_text_vocab_command(CLI::App& text);
void add_text_tokenize_command(CLI::App& text);
void add_text_train_command(CLI::App& text);
void add_text_eval_command(CLI::App& text);
void add_text_predict_command(CLI::App& text);
void add_text_tune_command(CLI::App& text);
void add_text_logs_command(CLI::App& text);

}  // namespace xinzhi::cli
