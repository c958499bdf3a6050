// `xinzhi learn ...`: sensor models: anomaly detection on any series, and failure and
// remaining-life models trained on a warehouse's cleaned readings.
#include "cli/commands.hpp"
#include "cli/learn_commands.hpp"

namespace xinzhi::cli {

void add_learn_command(CLI::App& app) {
  CLI::App* learn = app.add_subcommand("learn", "Sensor models: anomaly detection, failure prediction, remaining useful life");
  learn->require_subcommand(1);
  add_learn_detect_command(*learn);
  add_learn_train_command(*learn);
  add_learn_eval_command(*learn);
  add_learn_predict_command(*learn);
}

}  // namespace xinzhi::cli
