// `xinzhi text ...`: BERT-style text models: build a WordPiece vocabulary, tokenize, and (with
// libtorch) train, evaluate and predict with classification, regression and NER models.
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/train/launcher.hpp"
#include "text/train/runner.hpp"
#include "text/tokenize/tokenizer.hpp"
#include "text/train/tune.hpp"
#include "text/tokenize/vocab_builder.hpp"

namespace xinzhi::cli {

namespace {

struct VocabOptions {
  std::vector<std::string> corpus;
  std::string out = "vocab.txt";
  size_t size = 30000;
  bool uncased = false;
  bool conll = false;
  size_t min_frequency = 2;
};

void run_vocab(const VocabOptions& o) {
  text::VocabBuildOptions opt;
  opt.size = o.size;
  opt.lowercase = o.uncased;
  opt.min_frequency = o.min_frequency;
  std::vector<std::string> files = o.corpus;
  std::vector<std::string> temp;
  if (o.conll) {
    // CoNLL files: the first column of each non-blank line is a word; sentences are lines.
    for (auto& f : o.corpus) {
      std::string content = read_file(f), out, sentence;
      size_t pos = 0;
      while (pos <= content.size()) {
        size_t nl = content.find('\n', pos);
        if (nl == std::string::npos) nl = content.size();
        std::string line = content.substr(pos, nl - pos);
        pos = nl + 1;
        auto sp = line.find_first_of(" \t");
        std::string word = line.substr(0, sp);
        if (!word.empty() && word.back() == '\r') word.pop_back();
        if (word.empty() || word == "-DOCSTART-") {
          if (!sentence.empty()) out += sentence + "\n", sentence.clear();
          continue;
        }
        sentence += (sentence.empty() ? "" : " ") + word;
      }
      if (!sentence.empty()) out += sentence + "\n";
      temp.push_back(o.out + ".corpus." + std::to_string(temp.size()) + ".tmp");
      write_file_atomic(temp.back(), out);
    }
    files = temp;
  }
  std::vector<std::string> vocab;
  try {
    vocab = text::build_wordpiece_vocab(files, opt);
  } catch (...) {
    for (auto& t : temp) std::remove(t.c_str());
    throw;
  }
  for (auto& t : temp) std::remove(t.c_str());
  text::Vocab::from_tokens(vocab).save(o.out);
  std::cout << fmt::format("wrote {} ({} entries)\n", o.out, vocab.size());
}

struct TokenizeOptions {
  std::string vocab;
  bool uncased = false;
  std::vector<std::string> texts;
};

void run_tokenize(const TokenizeOptions& o) {
  text::BertTokenizer tok(text::Vocab::load(o.vocab), {o.uncased, o.uncased, true, 100});
  std::vector<std::string> texts = o.texts;
  if (texts.empty())
    for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
  for (size_t i = 0; i < texts.size(); ++i) {
    size_t bad = 0;
    if (!valid_utf8(texts[i], &bad))
      throw InputError(o.texts.empty() ? place("stdin", static_cast<long>(i + 1), static_cast<long>(bad + 1))
                                       : fmt::format("text {}", i + 1),
                       "the text is not valid UTF-8");
    auto enc = tok.encode(texts[i], true);
    nlohmann::json j;
    j["tokens"] = tok.tokens(enc.ids);
    j["ids"] = enc.ids;
    j["offsets"] = enc.offsets;
    j["word_ids"] = enc.word_ids;
    std::cout << j.dump() << "\n";
  }
}

// The data, model and fixed training options of `text train`, shared with `text tune` (which
// searches over --lr, --batch-size, --epochs, --warmup and --dropout instead of taking them).
void add_train_options(CLI::App* cmd, text::TrainCommand& tc, std::string& task) {
  cmd->add_option("--task", task, "ner | classification | multi-label | regression | mlm (pretraining)")
      ->check(CLI::IsMember({"ner", "classification", "multi-label", "regression", "mlm"}))
      ->capture_default_str();
  cmd->add_option("--train", tc.train_file, "Training data: CoNLL / char-per-line tags (ner), or CSV, TSV, JSON Lines")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--dev", tc.dev_file, "Development data: evaluated every epoch (or --eval-every steps)")->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", tc.out_dir, "Output folder (best/, last/, metrics.json)")->required();
  cmd->add_option("--vocab", tc.vocab_file, "vocab.txt (default: build one from the training text)")->check(CLI::ExistingFile);
  cmd->add_option("--vocab-size", tc.vocab_size, "Size of the vocabulary built when --vocab is not given")->capture_default_str();
  cmd->add_option("--init", tc.init_model, "Start from this model folder's weights (e.g. an mlm-pretrained or Hugging Face BERT)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--size", tc.size, "Model size preset: tiny, mini, small, base")->capture_default_str();
  cmd->add_option("--hidden", tc.hidden, "Hidden size (overrides the preset; intermediate = 4x)");
  cmd->add_option("--layers", tc.layers, "Number of layers (overrides the preset)");
  cmd->add_option("--heads", tc.heads, "Attention heads (overrides the preset)");
  cmd->add_option("--intermediate", tc.intermediate, "Feed-forward size (overrides the preset)");
  cmd->add_flag("--uncased", tc.uncased, "Lowercase and strip accents (uncased model)");
  cmd->add_flag("--crf", tc.crf, "ner: a CRF layer over the word labels (Viterbi decoding)");
  cmd->add_flag("--label-all-pieces", tc.label_all_pieces, "ner: train on every sub-word (B-X becomes I-X after the first); predictions still use first pieces");
  cmd->add_option("--max-length", tc.max_length, "Tokens per example, [CLS] and [SEP] included")->capture_default_str();
  cmd->add_option("--stride", tc.stride, "Overlap in tokens of the sliding windows used at evaluation")->capture_default_str();
  cmd->add_option("--weight-decay", tc.train.weight_decay, "AdamW weight decay (not on biases and LayerNorm)")->capture_default_str();
  cmd->add_option("--clip", tc.train.clip, "Gradient norm clipping (0: off)")->capture_default_str();
  cmd->add_option("--accumulation", tc.train.accumulation, "Batches per optimizer step (gradient accumulation)")->capture_default_str();
  cmd->add_option("--metric", tc.metric, "Metric that picks the best checkpoint: f1, strict_f1, token_f1, accuracy, macro_f1, micro_f1, rmse, mae, r2, loss");
  cmd->add_flag("--no-bucket", [&tc](int64_t) { tc.train.batches.bucket = false; }, "Do not group examples of similar length");
  cmd->add_option("--threads", tc.train.threads, "CPU threads (0: libtorch's default)")->capture_default_str();
  cmd->add_flag("--word-shape", tc.word_shape,
                  "ner: feed each word's shape (Capitalised, ALL CAPS, digits, ...) as its token type: helps models trained from scratch");
  cmd->add_flag("--document-context", tc.document_context,
                  "ner: join the sentences of a -DOCSTART- document into passages of --max-length pieces, so each word is tagged with its context");
  cmd->add_option("--token-dropout", tc.train.batches.token_dropout,
                  "Training only: each input token becomes [MASK] with this probability (labels kept), so the model "
                  "learns from context (from scratch: 0.1-0.2 helps unseen names)")
      ->check(CLI::Range(0.0, 0.9))->capture_default_str();
  cmd->add_option("--entity-dropout", tc.train.batches.entity_dropout,
                  "ner, training only: the tokens of entity words become [MASK] with this (higher) probability, "
                  "so the tagger learns to find names it never saw from their context and shape")
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--mlm-probability", tc.train.batches.mlm_probability, "mlm: fraction of the tokens masked for prediction")
      ->check(CLI::Range(0.01, 0.9))->capture_default_str();
  cmd->add_flag("--bf16", tc.train.bf16,
                  "bf16 autocast for the training forward passes (CPUs with avx512_bf16 or amx_bf16; refused "
                  "elsewhere); weights, optimizer state and checkpoints stay F32");
}

}  // namespace

void add_text_command(CLI::App& app) {
  CLI::App* text = app.add_subcommand("text", "BERT-style text models: vocabulary, tokenizer, train, evaluate, predict, tune");
  text->require_subcommand(1);

  auto vo = std::make_shared<VocabOptions>();
  CLI::App* vocab = text->add_subcommand("vocab", "Build a WordPiece vocabulary (vocab.txt) from a text corpus");
  vocab->add_option("corpus", vo->corpus, "Text files, one sentence or document a line")->required()->check(CLI::ExistingFile);
  vocab->add_option("--size", vo->size, "Number of entries, special tokens included")->capture_default_str();
  vocab->add_option("-o,--out", vo->out, "Where to write the vocabulary")->capture_default_str();
  vocab->add_flag("--uncased", vo->uncased, "Lowercase and strip accents first (for uncased models)");
  vocab->add_flag("--conll", vo->conll, "The files are CoNLL (word in the first column, blank line between sentences)");
  vocab->add_option("--min-frequency", vo->min_frequency, "Pieces seen fewer times are not added")->capture_default_str();
  vocab->callback([vo] { run_vocab(*vo); });

  auto to = std::make_shared<TokenizeOptions>();
  CLI::App* tokenize = text->add_subcommand("tokenize", "Print the WordPiece tokens, ids, offsets and word ids of texts (JSON Lines)");
  tokenize->add_option("--vocab", to->vocab, "vocab.txt")->required()->check(CLI::ExistingFile);
  tokenize->add_flag("--uncased", to->uncased, "Lowercase and strip accents (uncased models)");
  tokenize->add_option("texts", to->texts, "Texts to tokenize (default: one per line from stdin)");
  tokenize->callback([to] { run_tokenize(*to); });

  // train
  auto tc = std::make_shared<text::TrainCommand>();
  auto task = std::make_shared<std::string>("ner");
  CLI::App* train = text->add_subcommand("train", "Train (from scratch or from --init) a BERT model for a task; "
                                                  "the best checkpoint on --dev goes to OUT/best");
  add_train_options(train, *tc, *task);
  train->add_option("--dropout", tc->dropout, "Hidden and attention dropout (default 0.1)");
  train->add_option("--epochs", tc->train.epochs, "Passes over the training data")->capture_default_str();
  train->add_option("--batch-size", tc->train.batches.batch_size, "Examples per batch (data parallel: the global batch, split between the processes)")->capture_default_str();
  train->add_option("--lr", tc->train.lr, "Peak learning rate (AdamW)")->capture_default_str();
  train->add_option("--warmup", tc->train.warmup_ratio, "Fraction of the steps with linear warmup")->capture_default_str();
  train->add_option("--eval-every", tc->train.eval_every, "Evaluate every N optimizer steps (0: every epoch)")->capture_default_str();
  train->add_option("--patience", tc->train.patience, "Stop after N evaluations without improvement (0: never)")->capture_default_str();
  train->add_option("--seed", tc->train.seed, "Seed of initialisation, shuffling, masking and dropout")->capture_default_str();
  train->add_flag("--resume", tc->train.resume, "Continue from OUT/last (optimizer, schedule, RNG and data position)");
  train->add_option("--stop-after", tc->train.stop_after, "Stop after N optimizer steps, saving OUT/last (to resume later)");
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
    tc->task = text::parse_task(*task);
    tc->train.max_seconds = *max_minutes * 60.0;
    // This process's own command line (not that of `text tune`, which also calls run_train).
    tc->command = fmt::format("{}", fmt::join(text::own_command_line_without({}), " "));
    text::run_train(*tc);
  });

  // eval
  auto eo = std::make_shared<std::tuple<std::string, std::string, std::string, size_t, size_t>>("", "", "", 64, 32);
  CLI::App* eval = text->add_subcommand("eval", "Evaluate a model folder on labelled data: reports printed and written to metrics.json");
  eval->add_option("model", std::get<0>(*eo), "Model folder (config.json, vocab.txt, model.safetensors)")->required()->check(CLI::ExistingDirectory);
  eval->add_option("data", std::get<1>(*eo), "Labelled data in the training format")->required()->check(CLI::ExistingFile);
  eval->add_option("-o,--out", std::get<2>(*eo), "Where to write metrics.json (default: none)");
  eval->add_option("--batch-size", std::get<3>(*eo), "Examples per batch")->capture_default_str();
  eval->add_option("--stride", std::get<4>(*eo), "Overlap in tokens of the sliding windows over long texts")->capture_default_str();
  eval->callback([eo] { text::run_eval(std::get<0>(*eo), std::get<1>(*eo), std::get<2>(*eo), std::get<3>(*eo), std::get<4>(*eo)); });

  // predict
  auto po = std::make_shared<std::tuple<std::string, std::string, std::string, size_t, size_t>>("", "-", "-", 64, 32);
  CLI::App* predict = text->add_subcommand("predict", "Label texts (lines or JSON Lines with \"text\" or \"words\"): "
                                                      "JSON Lines with labels, scores and entities with character offsets");
  predict->add_option("model", std::get<0>(*po), "Model folder")->required()->check(CLI::ExistingDirectory);
  predict->add_option("input", std::get<1>(*po), "Input file ('-' or absent: stdin)");
  predict->add_option("-o,--out", std::get<2>(*po), "Output file ('-': stdout)");
  predict->add_option("--batch-size", std::get<3>(*po), "Examples per batch")->capture_default_str();
  predict->add_option("--stride", std::get<4>(*po), "Overlap in tokens of the sliding windows over long texts")->capture_default_str();
  predict->callback([po] { text::run_predict(std::get<0>(*po), std::get<1>(*po), std::get<2>(*po), std::get<3>(*po), std::get<4>(*po)); });

  // tune
  struct TuneArgs {
    text::TuneCommand command;
    std::string task = "ner", lr = "1e-5..1e-3", batch_sizes = "8,16,32", epochs = "2..4", warmup = "0..0.2",
                dropout = "0..0.2", budget = "0";
  };
  auto ta = std::make_shared<TuneArgs>();
  CLI::App* tune = text->add_subcommand("tune", "Search learning rate, batch size, epochs, warmup and dropout: random trials, "
                                                "successive halving on --dev under a time budget; table, OUT/tune.csv, "
                                                "OUT/tune.json and the best trial's model in OUT/best");
  add_train_options(tune, ta->command.base, ta->task);
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
    text::TuneCommand& c = ta->command;
    c.base.task = text::parse_task(ta->task);
    c.space.lr = text::parse_range("--lr-range", ta->lr);
    c.space.batch_sizes = text::parse_batch_sizes("--batch-sizes", ta->batch_sizes);
    c.space.epochs = text::parse_range("--epochs-range", ta->epochs);
    c.space.warmup = text::parse_range("--warmup-range", ta->warmup);
    c.space.dropout = text::parse_range("--dropout-range", ta->dropout);
    c.budget_s = text::parse_duration_seconds("--budget", ta->budget);
    auto r = text::run_tune(c);
    std::cout << text::format_table(r);
    if (r.budget_hit) std::cout << "the time budget was spent: the table shows what finished\n";
    if (r.reproduce.empty()) {
      std::cout << "no trial finished its first rung: nothing to keep\n";
    } else {
      std::cout << fmt::format("best: trial {} ({} {:.4f}), model in {}/best\n", r.trials.front().id, r.metric,
                               r.trials.front().metric, c.base.out_dir);
      std::cout << "reproduce: " << r.reproduce << "\n";
    }
  });

}

}  // namespace xinzhi::cli
