// The subcommands of `xinzhi learn`, one file each (learn_<name>_command.cpp): each adds its
// options, help text and the function it runs to the `learn` command.
#pragma once

#include <CLI/CLI.hpp>

namespace xinzhi::cli {

void add_learn_detect_command(CLI::App& learn);
void add_learn_train_command(CLI::App& learn);
void add_learn_eval_command(CLI::App& learn);
void add_learn_predict_command(CLI::App& learn);

}  // namespace xinzhi::cli
