// Training throughput of xinzhi's BERT token classifier on CoNLL-2003 train: non-pad tokens/s
// over N optimizer steps after a warm-up, with length-bucketed dynamic padding (xinzhi's
// default), the same model and batch as the peer run.
// --bf16: the forward passes under bf16 autocast (CPUs with avx512_bf16 / amx_bf16).
// usage: bench_text_train DATA_DIR VOCAB [--steps N] [--threads T] [--hidden H --layers L --heads A] [--batch B] [--bf16]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "text/data/data_files.hpp"
#include "text/data/examples.hpp"
#include "text/model/model.hpp"
#include "text/train/trainer.hpp"

using namespace xinzhi::text;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_text_train DATA_DIR VOCAB [--steps N] [--threads T] [--hidden H] [--layers L] [--heads A] [--batch B] [--bf16]\n");
    return 1;
  }
  int steps = 40, threads = 2, hidden = 256, layers = 4, heads = 4, batch = 32;
  bool bf16 = false;
  for (int i = 3; i < argc; i += 2) {
    if (!std::strcmp(argv[i], "--bf16")) {
      bf16 = true;
      --i;  // a flag: no value
      continue;
    }
    if (i + 1 >= argc) break;
    int v = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--steps")) steps = v;
    else if (!std::strcmp(argv[i], "--threads")) threads = v;
    else if (!std::strcmp(argv[i], "--hidden")) hidden = v;
    else if (!std::strcmp(argv[i], "--layers")) layers = v;
    else if (!std::strcmp(argv[i], "--heads")) heads = v;
    else if (!std::strcmp(argv[i], "--batch")) batch = v;
  }
  spdlog::set_level(spdlog::level::warn);  // no progress lines in the benchmark output
  auto sents = read_tagged(std::string(argv[1]) + "/train.txt");
  BertTokenizer tok(Vocab::load(argv[2]), {false, false, true, 100});
  Labels labels;
  for (auto& s : sents)
    for (auto& t : s.tags) labels.add(t);
  auto ex = encode_tagged(tok, sents, labels, 128, false, 0);
  ModelConfig c;
  c.vocab_size = static_cast<int64_t>(tok.vocab().size());
  c.hidden_size = hidden, c.num_hidden_layers = layers, c.num_attention_heads = heads, c.intermediate_size = 4 * hidden;
  c.task = Task::token_classification;
  c.labels = labels.names;
  Model model(c, 1);
  TrainOptions o;
  o.threads = threads;
  o.epochs = 1;
  o.lr = 1e-3;
  o.batches.batch_size = static_cast<size_t>(batch);
  o.bf16 = bf16;
  if (bf16 && !cpu_has_bf16()) {
    std::printf("recipe=xinzhi-bucketed-bf16 skipped: this CPU has no bf16 instructions\n");
    return 0;
  }
  // 5 warm-up steps, then the measured ones, timed inside one run
  const int warm = 5;
  o.stop_after = warm + steps;
  std::chrono::steady_clock::time_point t0;
  std::clock_t c0 = 0;  // process CPU time: a figure that other work on the machine disturbs less
  long tokens = 0;
  o.on_step = [&](int64_t step, int64_t n) {
    if (step == warm) t0 = std::chrono::steady_clock::now(), c0 = std::clock();
    if (step > warm) tokens += n;
  };
  train(model, ex, o, nullptr, nullptr);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  std::printf("recipe=xinzhi-bucketed%s non-pad tokens/s %.0f (steps %d, batch %d, threads %d, %s; %.0f tokens per CPU-second)\n",
              bf16 ? "-bf16" : "", static_cast<double>(tokens) / secs, steps, batch, threads, bf16 ? "bf16 autocast" : "F32",
              static_cast<double>(tokens) / cpu);
  // Model FLOPs per real token for MFU (bench/text/run): 6 per weight of the matmuls a token goes
  // through (2 forward, 4 backward; embeddings are lookups, not matmuls) plus attention's
  // 12·layers·hidden·S (QKᵀ and PV, forward and backward), S the length of the token's own
  // sentence, averaged over tokens (Σn²/Σn): padding is not useful work, so it is not counted.
  double sum_n = 0, sum_n2 = 0;
  for (auto& e : ex) sum_n += static_cast<double>(e.ids.size()), sum_n2 += static_cast<double>(e.ids.size() * e.ids.size());
  const double H = hidden, I = 4.0 * hidden, C = static_cast<double>(c.num_labels());
  const double matmul_weights = layers * (4 * H * H + 2 * H * I) + H * C;
  std::printf("model_flops_per_token=%.0f (6 x %.0f matmul weights + attention at mean length %.1f)\n",
              6 * matmul_weights + 12.0 * layers * H * (sum_n2 / sum_n), matmul_weights, sum_n2 / sum_n);
  return 0;
}
