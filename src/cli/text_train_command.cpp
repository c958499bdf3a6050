// `xinzhi text train`: reads the training and dev data, trains a model with the training driver
// (data parallel with --nproc, or --rank/--world-size across machines, this command starting the
// workers), prints the dev report of the kept checkpoint and writes OUT/metrics.json.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/own_command_line.hpp"
#include "cli/text_commands.hpp"
#include "cli/text_train_options.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/data/data_files.hpp"
#include "text/train/driver.hpp"
#include "text/train/launcher.hpp"
#include "text/train/process_group.hpp"

namespace xinzhi::cli {

namespace {

namespace fs = std::filesystem;

struct TrainCommand {
  std::string command;  // the command line that asked for this run, kept in metrics.json
  text::TrainSettings settings;  // settings.train.out_dir: -o
  text::TrainFiles files;
  // Data parallel: nproc > 1 starts nproc-1 workers of this executable on this machine (they
  // re-run this process's command line); dist.world_size > 1 joins a group of processes started
  // by hand, one per machine. master_port -1: 29500, or a free port for nproc.
  int nproc = 1;
  text::DistOptions dist{0, 1, "127.0.0.1", -1, 600};
};

void run_train(TrainCommand c) {
  text::TrainSettings& s = c.settings;
  const std::string out_dir = s.train.out_dir;
  if (out_dir.empty()) throw UsageError("--out is required");
  // Data parallel: --nproc on one machine, or --rank/--world-size across machines.
  if (s.train.bf16) text::require_bf16_cpu();  // before any slow work
  if (c.nproc < 1) throw UsageError("--nproc must be at least 1");
  if (c.nproc > 1 && c.dist.world_size > 1) throw UsageError("--nproc and --world-size are alternatives: give one");
  const bool launch = c.nproc > 1, parallel = launch || c.dist.world_size > 1;
  const int rank = launch ? 0 : c.dist.rank;
  if (!parallel && c.dist.rank != 0) throw UsageError("--rank needs --world-size");
  if (c.dist.rank < 0 || c.dist.rank >= std::max(1, c.dist.world_size))
    throw UsageError(fmt::format("--rank {} is outside the group of {} (ranks 0 to {})", c.dist.rank, c.dist.world_size,
                                 c.dist.world_size - 1));
  if (rank > 0) spdlog::set_level(spdlog::level::warn);  // rank 0 speaks for the group
  if (launch && s.train.threads <= 0)  // the machine's cores shared between the processes
    s.train.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / c.nproc);

  // 1. The data (dev only on rank 0, which evaluates for the group) and the starting point.
  const text::TextData train = text::read_text_data(c.files.train, s.task);
  if (train.empty()) throw InputError(c.files.train, "the training set is empty");
  std::optional<text::TextData> dev;
  if (!c.files.dev.empty() && rank == 0) dev = text::read_text_data(c.files.dev, s.task);
  text::StartingPoint start = read_starting_point(c.files);

  // 2. The data-parallel group: rank 0 opens the store, starts its workers (--nproc), and all
  // meet; the workers read the vocabulary rank 0 built instead of building their own.
  std::unique_ptr<text::ProcessGroup> group;
  std::unique_ptr<text::WorkerLauncher> workers;
  std::string workers_vocab;
  struct RemoveOnExit {  // the workers' vocabulary file goes, also when the run fails
    std::string& path;
    ~RemoveOnExit() {
      std::error_code ec;
      if (!path.empty()) fs::remove(path, ec);
    }
  } remove_workers_vocab{workers_vocab};
  if (parallel) {
    if (launch && !start.init && !start.vocab) start.vocab = text::build_training_vocab(train, s.vocab_size, s.uncased);
    text::DistOptions d = c.dist;
    if (launch) d.rank = 0, d.world_size = c.nproc, d.master_addr = "127.0.0.1";
    if (d.master_port < 0) d.master_port = launch ? 0 : 29500;
    group = std::make_unique<text::ProcessGroup>(d);
    if (launch) {
      auto args = own_command_line_without({"--nproc", "--threads", "--rank", "--world-size", "--master-addr", "--master-port"});
      args.push_back("--threads");
      args.push_back(std::to_string(s.train.threads));
      if (c.files.vocab.empty() && c.files.init.empty()) {
        fs::create_directories(out_dir);
        workers_vocab = (fs::path(out_dir) / "vocab-for-workers.tmp").string();
        start.vocab->save(workers_vocab);
        args.push_back("--vocab");
        args.push_back(workers_vocab);
      }
      spdlog::info("data parallel: starting {} worker process(es), rendezvous at 127.0.0.1:{}", c.nproc - 1, group->port());
      workers = std::make_unique<text::WorkerLauncher>(c.nproc, group->port(), args);
    }
    group->join();
    if (!workers_vocab.empty()) fs::remove(workers_vocab), workers_vocab.clear();  // every worker has read it by now
    if (rank == 0) spdlog::info("data parallel: {} processes joined; global batch {}", group->world_size(), s.train.batches.batch_size);
    s.train.group = group.get();
  }

  // 3. Train.
  const text::TrainedText trained = text::train_text_model(train, dev ? &*dev : nullptr, s, std::move(start));
  if (rank > 0) return;  // rank 0 reports for the group
  if (workers) workers->finish(c.dist.timeout_s);
  const text::TrainResult& res = trained.result;
  if (s.train.stop_after > 0 && res.steps >= s.train.stop_after && res.best_step < 0) {
    std::cout << fmt::format("stopped after {} steps; resume with --resume\n", res.steps);
    return;
  }

  // 4. The report.
  nlohmann::ordered_json out;
  if (!c.command.empty()) out["command"] = c.command;  // what reproduces this run
  out["task"] = text::task_name(s.task);
  out["metric"] = trained.metric;
  out["steps"] = res.steps;
  out["best_step"] = res.best_step;
  out["stopped_early"] = res.stopped_early;
  out["out_of_time"] = res.out_of_time;
  out["train_seconds"] = res.seconds;
  out["first_loss"] = res.losses.empty() ? 0.0 : res.losses.front();
  out["last_loss"] = res.losses.empty() ? 0.0 : res.losses.back();
  out["losses"] = res.losses;  // mean loss of each optimizer step
  if (!trained.dev.metrics.is_null()) {
    out["dev"] = trained.dev.metrics;
    out["best"] = res.best_metric;
    std::cout << "dev (best checkpoint, step " << res.best_step << "):\n" << trained.dev.text;
  }
  write_file_atomic((fs::path(out_dir) / "metrics.json").string(), out.dump(2) + "\n");
  std::cout << fmt::format("model: {}  ({} steps in {:.1f} min, loss {:.4f} -> {:.4f})\n",
                           (fs::path(out_dir) / "best").string(), res.steps,
                           res.seconds / 60, out["first_loss"].get<double>(), out["last_loss"].get<double>());
}

}  // namespace

void add_text_train_command(CLI::App& text) {
  auto tc = std::make_shared<TrainCommand>();
  auto task = std::make_shared<std::string>("ner");
  CLI::App* train = text.add_subcommand("train", "Train (from scratch or from --init) a BERT model for a task; "
                                                  "the best checkpoint on --dev goes to OUT/best");
  add_train_options(train, tc->settings, tc->files, tc->settings.train.out_dir, *task);
  train->add_option("--dropout", tc->settings.dropout, "Hidden and attention dropout (default 0.1)");
  train->add_option("--epochs", tc->settings.train.epochs, "Passes over the training data")->capture_default_str();
  train->add_option("--batch-size", tc->settings.train.batches.batch_size, "Examples per batch (data parallel: the global batch, split between the processes)")->capture_default_str();
  train->add_option("--lr", tc->settings.train.lr, "Peak learning rate (AdamW)")->capture_default_str();
  train->add_option("--warmup", tc->settings.train.warmup_ratio, "Fraction of the steps with linear warmup")->capture_default_str();
  train->add_option("--eval-every", tc->settings.train.eval_every, "Evaluate every N optimizer steps (0: every epoch)")->capture_default_str();
  train->add_option("--patience", tc->settings.train.patience, "Stop after N evaluations without improvement (0: never)")->capture_default_str();
  train->add_option("--seed", tc->settings.train.seed, "Seed of initialisation, shuffling, masking and dropout")->capture_default_str();
  train->add_flag("--resume", tc->settings.train.resume, "Continue from OUT/last (optimizer, schedule, RNG and data position)");
  train->add_option("--stop-after", tc->settings.train.stop_after, "Stop after N optimizer steps, saving OUT/last (to resume later)");
  auto max_minutes = std::make_shared<double>(0.0);
  train->add_option("--max-minutes", *max_minutes,
                    "Time budget in minutes: evaluate and stop once it is spent (0: none; the schedule still follows --epochs)")
      ->check(CLI::NonNegativeNumber);
  // Data parallel (libtorch c10d with Gloo): the same optimizer steps as one process with the same
  // --batch-size, which stays the global batch.
  train->add_option("--nproc", tc->nproc,
                    "Data-parallel training in N processes on this machine (this one and N-1 workers it starts); "
                    "--batch-size stays the global batch, split between them")
      ->capture_default_str()->check(CLI::Range(1, 256));
  train->add_option("--rank", tc->dist.rank,
                    "Across machines: this process's rank in the data-parallel group (0 hosts the rendezvous, "
                    "evaluates and writes OUT); give every rank the same command and files")
      ->capture_default_str();
  train->add_option("--world-size", tc->dist.world_size, "Across machines: the number of processes in the data-parallel group")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  train->add_option("--master-addr", tc->dist.master_addr, "Across machines: the address of rank 0 (the rendezvous)")
      ->capture_default_str();
  train->add_option("--master-port", tc->dist.master_port,
                    "The port of rank 0's rendezvous store (default 29500 across machines, a free port with --nproc)")
      ->check(CLI::Range(0, 65535));
  train->add_option("--dist-timeout", tc->dist.timeout_s,
                    "Data parallel: seconds a process waits for the others (rendezvous, each step, rank 0's "
                    "evaluations) before the run fails")
      ->capture_default_str()->check(CLI::Range(1, 86400));
  train->callback([tc, task, max_minutes] {
    tc->settings.task = text::parse_task(*task);
    tc->settings.train.max_seconds = *max_minutes * 60.0;
    tc->command = fmt::format("{}", fmt::join(own_command_line_without({}), " "));
    run_train(*tc);
  });
}

}  // namespace xinzhi::cli
