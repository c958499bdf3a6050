// Train-then-test in one call, for callers that want the figures back rather than printed (the
// pipeline's text stage): a new model trained from scratch on one file, the epoch that scores
// best on a dev file kept, and that model evaluated on a test file — what `xinzhi text train`
// followed by `xinzhi text eval` does, with the same reports.
#pragma once

#include <string>
#include <vector>

#include "text/train/runner.hpp"

namespace xinzhi::text {

struct FitResult {
  std::string model_dir;          // the kept model, Hugging Face layout (c.out_dir)
  EvalResult dev, test;           // dev: of the kept epoch (empty without a dev file)
  TrainResult train;
  std::vector<std::string> labels;  // in id order
  int64_t parameters = 0;
  size_t vocab_size = 0, train_examples = 0;
  double train_seconds = 0, test_seconds = 0;
};

// c as for run_train (task, train_file, dev_file, vocab_file or vocab_size, size and shape,
// crf, uncased, max_length, stride, metric, eval_batch, train options); c.init_model must be
// empty (from scratch only). The model is trained in "<out_dir>.work" and its kept checkpoint
// renamed to c.out_dir, so out_dir holds a complete model or nothing.
FitResult fit_and_test(const TrainCommand& c, const std::string& test_file);

}  // namespace xinzhi::text
