#include "cli/text_train_options.hpp"

#include "text/model/model_folder.hpp"
#include "text/tokenize/vocab.hpp"

namespace xinzhi::cli {

void add_train_options(CLI::App* cmd, text::TrainSettings& tc, text::TrainFiles& files, std::string& out,
                       std::string& task) {
  cmd->add_option("--task", task, "ner | classification | multi-label | regression | mlm (pretraining)")
      ->check(CLI::IsMember({"ner", "classification", "multi-label", "regression", "mlm"}))
      ->capture_default_str();
  cmd->add_option("--train", files.train, "Training data: CoNLL / char-per-line tags (ner), or CSV, TSV, JSON Lines")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--dev", files.dev, "Development data: evaluated every epoch (or --eval-every steps)")->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", out, "Output folder (best/, last/, metrics.json)")->required();
  cmd->add_option("--vocab", files.vocab, "vocab.txt (default: build one from the training text)")->check(CLI::ExistingFile);
  cmd->add_option("--vocab-size", tc.vocab_size, "Size of the vocabulary built when --vocab is not given")->capture_default_str();
  cmd->add_option("--init", files.init, "Start from this model folder's weights (e.g. an mlm-pretrained or Hugging Face BERT)")
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

text::StartingPoint read_starting_point(const text::TrainFiles& files) {
  text::StartingPoint start;
  if (!files.init.empty()) start.init = text::load_pretrained(files.init);
  else if (!files.vocab.empty()) start.vocab = text::Vocab::load(files.vocab);
  return start;
}

}  // namespace xinzhi::cli
