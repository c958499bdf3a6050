// Hyperparameter search (`xinzhi text tune`): random search over learning rate, batch size,
// epochs, warmup and dropout with successive halving (every trial trains a first slice of its
// steps, the best 1/eta go on with eta times more, ...) under a wall-time budget; every trial
// trains through the training driver; the results go to tune.csv and tune.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "text/data/data_set.hpp"
#include "text/train/driver.hpp"

namespace xinzhi::text {

// A closed interval of the search space, written "LOW..HIGH" (or one value "X").
struct Range {
  double lo = 0, hi = 0;
};

struct SearchSpace {
  Range lr{1e-5, 1e-3};                       // log-uniform
  std::vector<size_t> batch_sizes{8, 16, 32};  // one of these, uniformly
  Range epochs{2, 4};                         // whole numbers, uniform
  Range warmup{0.0, 0.2};                     // fraction of the steps, uniform
  Range dropout{0.0, 0.2};                    // hidden and attention dropout, uniform
};

// Command-line parsers: an InputError naming the option (exit code 2) on bad text.
Range parse_range(const std::string& option, const std::string& text);
std::vector<size_t> parse_batch_sizes(const std::string& option, const std::string& text);
// "90", "90s", "10m", "1.5h" -> seconds; "0" means no limit.
double parse_duration_seconds(const std::string& option, const std::string& text);
// Checks what each range may hold (lr > 0, whole epochs >= 1, fractions in [0, 1), low <= high).
void validate(const SearchSpace& space);

// The files a search's data and starting point came from: what its reproduce command names.
struct TrainFiles {
  std::string train, dev;
  std::string vocab;  // "": built from the training text
  std::string init;   // "": from scratch
};

struct TuneSettings {
  TrainSettings base;  // the model and the fixed training options (the searched ones are drawn)
  TrainFiles files;
  std::string out_dir;  // tune.csv, tune.json, best/ (trials/ while it runs)
  SearchSpace space;
  int trials = 9;
  int eta = 3;            // halving factor
  double budget_s = 0;    // wall-time limit in seconds; 0: none
  // The seed of the draws is base.train.seed, which also seeds every trial's training.
};
// The checks run_tune starts with (space, trials, eta, out_dir), for callers that want them
// before reading any data.
void validate(const TuneSettings& settings);

struct Trial {
  int id = 0;  // 1-based, in draw order
  double lr = 0, warmup = 0, dropout = 0;
  size_t batch_size = 0;
  int epochs = 0;
  int64_t total_steps = 0;  // optimizer steps of the full schedule
  int64_t steps = 0;        // steps trained so far
  int rung = 0;             // rungs finished (0: none)
  double metric = 0;        // best dev metric so far (valid when rung > 0)
  double seconds = 0;       // wall time spent on this trial (training and evaluation)
};

struct TuneResult {
  std::string metric;
  bool lower_is_better = false;
  int rungs = 0;
  bool budget_hit = false;
  std::vector<Trial> trials;  // best first; trials without a finished rung last
  std::string reproduce;      // the `xinzhi text train` command of the best trial
};

// The trials' hyperparameters, drawn from the seed alone (same seed, same draws).
std::vector<Trial> draw_trials(const SearchSpace& space, int n, uint64_t seed);
// Number of rungs for n trials: 1 + floor(log_eta(n)), so the last rung keeps at least one.
int rung_count(int n, int eta);

// Runs the search on the data read from settings.files (dev compares the trials; start as for
// the driver); writes OUT/tune.csv, OUT/tune.json and OUT/best (the best trial's model).
TuneResult run_tune(const TuneSettings& settings, const TextData& train, const TextData& dev,
                    const StartingPoint& start = {});

}  // namespace xinzhi::text
