// The options `xinzhi text train` and `xinzhi text tune` share: the data files, the model and
// the fixed training options (tune searches over --lr, --batch-size, --epochs, --warmup and
// --dropout instead of taking them), and the starting point they name (--vocab, --init).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "text/train/driver.hpp"
#include "text/train/tune.hpp"

namespace xinzhi::cli {

// Adds the shared options to `cmd`, writing into `settings`, `files` and `out` (-o); `task`
// receives --task's name (parse it with text::parse_task).
void add_train_options(CLI::App* cmd, text::TrainSettings& settings, text::TrainFiles& files, std::string& out,
                       std::string& task);

// The starting point the files name: --init's model (its tokenizer and weights), else --vocab's
// vocabulary, else none (the driver builds one from the training text).
text::StartingPoint read_starting_point(const text::TrainFiles& files);

}  // namespace xinzhi::cli
