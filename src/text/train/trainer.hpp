// Fine-tuning and pretraining: AdamW (no weight decay on biases and LayerNorm), linear warmup
// then decay, gradient clipping, gradient accumulation normalised over the whole accumulated
// batch, evaluation every epoch or N steps, early stopping, the best checkpoint by a metric,
// and resume from the last checkpoint (weights, optimizer, schedule, RNG, data position) that
// ends identical to an uninterrupted run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "text/data/examples.hpp"
#include "text/model/model.hpp"

namespace xinzhi::text {

class ProcessGroup;

struct TrainOptions {
  double lr = 5e-5, weight_decay = 0.01, warmup_ratio = 0.1, clip = 1.0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  int epochs = 3;
  size_t accumulation = 1;
  int64_t eval_every = 0;     // optimizer steps between evaluations; 0: after each epoch
  int patience = 0;           // evaluations without improvement before stopping; 0: never stop early
  bool lower_is_better = false;
  uint64_t seed = 42;
  int threads = 0;            // 0: libtorch's default
  std::string out_dir;        // best/ and last/ model folders
  bool resume = false;        // continue from out_dir/last
  int64_t stop_after = 0;     // stop as if interrupted after this many optimizer steps (tests)
  double max_seconds = 0;     // time budget: after the step that crosses it, evaluate once more and stop (0: none)
  BatchOptions batches;
  // bf16 autocast over the training forward passes (CPUs with avx512_bf16 or amx_bf16; an
  // input error elsewhere). Master weights, optimizer state and checkpoints stay F32.
  bool bf16 = false;
  // Data-parallel training: every rank builds the same batches (batch_size is the global batch),
  // takes its share of the rows of each, and the gradients are summed over the group before each
  // optimizer step, so N ranks take the same steps as one process. Only rank 0 evaluates and
  // writes out_dir. nullptr or a group of one: a single process.
  ProcessGroup* group = nullptr;
  // Called after each optimizer step with the step number and the real tokens it trained on
  // (benchmarks time the steps with it).
  std::function<void(int64_t step, int64_t tokens)> on_step;
};

struct TrainResult {
  int64_t steps = 0, best_step = -1;
  double best_metric = 0;
  std::vector<double> losses;  // mean loss of each optimizer step
  bool stopped_early = false;
  bool out_of_time = false;  // the time budget ended training before its last epoch
  double seconds = 0;        // wall time of this process's training, dev evaluations included
};

// eval: returns the metric that picks the best checkpoint (nullptr: no evaluation; the last
// model is the best). save_extra writes tokenizer files into a model folder.
TrainResult train(Model& model, const std::vector<Example>& train_set, const TrainOptions& options,
                  const std::function<double(const Model&)>& eval,
                  const std::function<void(const std::string&)>& save_extra);

// Whether this CPU can run bf16 autocast fast (avx512_bf16 or amx_bf16 in /proc/cpuinfo).
bool cpu_has_bf16();
// An input error (exit 2) naming --bf16 when the CPU lacks bf16.
void require_bf16_cpu();

}  // namespace xinzhi::text
