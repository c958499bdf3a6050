// The work behind `xinzhi text train|eval|predict`: reading data, building or loading the
// tokenizer and model, training, and the evaluation reports (printed and in metrics.json).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "text/data/data.hpp"
#include "text/model/model.hpp"
#include "text/train/process_group.hpp"
#include "text/tokenize/tokenizer.hpp"
#include "text/train/trainer.hpp"

namespace xinzhi::text {

struct TrainCommand {
  std::string command;         // the command line that asked for this run, kept in metrics.json ("": none)
  Task task = Task::token_classification;
  std::string train_file, dev_file, out_dir;
  std::string vocab_file;      // empty: build one from the training text
  size_t vocab_size = 9000;
  std::string init_model;      // start from this model folder's weights (pretrained encoder)
  std::string size = "mini";
  int64_t hidden = 0, layers = 0, heads = 0, intermediate = 0;
  double dropout = -1;
  bool uncased = false, crf = false;
  bool label_all_pieces = false;  // ner: label every sub-word, not only the first
  bool word_shape = false;        // tagged data: word shapes as token type ids
  bool document_context = false;  // tagged data: join a document's sentences into passages
  size_t max_length = 128, stride = 32;
  std::string metric;          // default by task
  size_t eval_batch = 64;
  TrainOptions train;
  // Data parallel: nproc > 1 starts nproc-1 workers of this executable on this machine (the CLI
  // only: workers re-run this process's command line); dist.world_size > 1 joins a group of
  // processes started by hand, one per machine. master_port -1: 29500, or a free port for nproc.
  int nproc = 1;
  DistOptions dist{0, 1, "127.0.0.1", -1, 600};
};

struct EvalResult {
  nlohmann::ordered_json metrics;
  std::string text;
};

// A model folder's tokenizer (vocab.txt, casing from config.json / tokenizer_config.json).
BertTokenizer load_tokenizer(const std::string& folder, const ModelConfig& config);
// Writes vocab.txt and tokenizer_config.json next to a model.
void save_tokenizer(const std::string& folder, const BertTokenizer& tok);

EvalResult evaluate_file(const Model& model, const BertTokenizer& tok, const std::string& data_file,
                         size_t max_length, size_t stride, size_t batch);
// The number that picks the best checkpoint, by name ("f1", "token_f1", "accuracy",
// "macro_f1", "micro_f1", "rmse", "mae", "r2", "loss").
double metric_value(const nlohmann::ordered_json& metrics, const std::string& name);
std::string default_metric(Task task);
bool lower_is_better(const std::string& metric);

void run_train(const TrainCommand& c);
void run_eval(const std::string& model_dir, const std::string& data_file, const std::string& out, size_t batch,
              size_t stride);
// Text lines, or JSON Lines with "text" (or "words" for pre-split input) -> JSON Lines with
// labels, scores and (NER) entities with character offsets.
void run_predict(const std::string& model_dir, const std::string& input, const std::string& output, size_t batch,
                 size_t stride);

}  // namespace xinzhi::text
