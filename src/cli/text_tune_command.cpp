// `xinzhi text tune`: reads the training and dev data once, runs the search (text/train/tune.hpp)
// and prints its table, the best trial and the command that reproduces it.
#include <iostream>

#include <fmt/format.h>

#include "cli/text_commands.hpp"
#include "cli/text_train_options.hpp"
#include "core/error.hpp"
#include "text/data/data_files.hpp"
#include "text/train/tune.hpp"

namespace xinzhi::cli {

namespace {

// The trials as a table for people (best first).
std::string format_table(const text::TuneResult& r) {
  std::string s = fmt::format("{:>5}  {:>9}  {:>5}  {:>6}  {:>6}  {:>7}  {:>5}  {:>11}  {:>10}  {:>8}\n", "trial", "lr", "batch",
                              "epochs", "warmup", "dropout", "rung", "steps", r.metric, "time s");
  for (auto& t : r.trials)
    s += fmt::format("{:>5}  {:>9.3g}  {:>5}  {:>6}  {:>6.3f}  {:>7.3f}  {:>5}  {:>11}  {:>10}  {:>8.1f}\n", t.id, t.lr,
                     t.batch_size, t.epochs, t.warmup, t.dropout, fmt::format("{}/{}", t.rung, r.rungs),
                     fmt::format("{}/{}", t.steps, t.total_steps), t.rung > 0 ? fmt::format("{:.4f}", t.metric) : "-",
                     t.seconds);
  return s;
}

void run_tune(const text::TuneSettings& c) {
  if (c.files.dev.empty()) throw UsageError("text tune needs --dev: the trials are compared on it");
  text::validate(c);  // before any data is read
  const text::TextData train = text::read_text_data(c.files.train, c.base.task);
  const text::TextData dev = text::read_text_data(c.files.dev, c.base.task);
  const auto r = text::run_tune(c, train, dev, read_starting_point(c.files));
  std::cout << format_table(r);
  if (r.budget_hit) std::cout << "the time budget was spent: the table shows what finished\n";
  if (r.reproduce.empty()) {
    std::cout << "no trial finished its first rung: nothing to keep\n";
  } else {
    std::cout << fmt::format("best: trial {} ({} {:.4f}), model in {}/best\n", r.trials.front().id, r.metric,
                             r.trials.front().metric, c.out_dir);
    std::cout << "reproduce: " << r.reproduce << "\n";
  }
}

}  // namespace

void add_text_tune_command(CLI::App& text) {
  struct TuneArgs {
    text::TuneSettings command;
    std::string task = "ner", lr = "1e-5..1e-3", batch_sizes = "8,16,32", epochs = "2..4", warmup = "0..0.2",
                dropout = "0..0.2", budget = "0";
  };
  auto ta = std::make_shared<TuneArgs>();
  CLI::App* tune = text.add_subcommand("tune", "Search learning rate, batch size, epochs, warmup and dropout: random trials, "
                                                "successive halving on --dev under a time budget; table, OUT/tune.csv, "
                                                "OUT/tune.json and the best trial's model in OUT/best");
  add_train_options(tune, ta->command.base, ta->command.files, ta->command.out_dir, ta->task);
  tune->get_option("--dev")->description("Development data the trials are compared on (required)");
  tune->get_option("--out")->description("Output folder (tune.csv, tune.json, best/)");
  tune->get_option("--metric")->description("Metric the trials are compared on (default by task): f1, strict_f1, token_f1, "
                                            "accuracy, macro_f1, micro_f1, rmse, mae, r2, loss");
  tune->add_option("--lr-range", ta->lr, "Peak learning rate LOW..HIGH, drawn log-uniformly")->capture_default_str();
  tune->add_option("--batch-sizes", ta->batch_sizes, "Batch sizes to draw from, comma-separated")->capture_default_str();
  tune->add_option("--epochs-range", ta->epochs, "Epochs LOW..HIGH (whole numbers), drawn uniformly")->capture_default_str();
  tune->add_option("--warmup-range", ta->warmup, "Warmup fraction of the steps LOW..HIGH, drawn uniformly")->capture_default_str();
  tune->add_option("--dropout-range", ta->dropout, "Hidden and attention dropout LOW..HIGH, drawn uniformly")->capture_default_str();
  tune->add_option("--trials", ta->command.trials, "Number of trials drawn (all run the first rung)")->capture_default_str();
  tune->add_option("--eta", ta->command.eta, "Halving factor: the best 1/eta of a rung go on with eta times its steps")
      ->capture_default_str();
  tune->add_option("--budget", ta->budget, "Wall-time limit (e.g. 90s, 10m, 1.5h; 0: none): the search stops cleanly "
                                           "and reports what finished")->capture_default_str();
  tune->add_option("--seed", ta->command.base.train.seed, "Seed of the draws and of every trial's training")->capture_default_str();
  tune->callback([ta] {
    text::TuneSettings& c = ta->command;
    c.base.task = text::parse_task(ta->task);
    c.space.lr = text::parse_range("--lr-range", ta->lr);
    c.space.batch_sizes = text::parse_batch_sizes("--batch-sizes", ta->batch_sizes);
    c.space.epochs = text::parse_range("--epochs-range", ta->epochs);
    c.space.warmup = text::parse_range("--warmup-range", ta->warmup);
    c.space.dropout = text::parse_range("--dropout-range", ta->dropout);
    c.budget_s = text::parse_duration_seconds("--budget", ta->budget);
    run_tune(c);
  });
}

}  // namespace xinzhi::cli
