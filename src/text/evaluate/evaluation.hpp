// A model evaluated on labelled data in memory: the reports of its task (token- and entity-level
// for ner, per-class for classification, per-label for multi-label, MAE/RMSE/R² for regression,
// the loss for masked LM) as JSON and as the printed text, and the metric that picks the best
// checkpoint out of them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "text/data/data_set.hpp"
#include "text/model/model.hpp"
#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::text {

struct EvalResult {
  nlohmann::ordered_json metrics;  // null: not evaluated
  std::string text;
};

// The data must be of the model's kind (tagged for ner; data_files.hpp's read_text_data reads a
// file so). An empty data set is an InputError naming its origin; a label training never saw,
// one naming the sentence or record.
EvalResult evaluate(const Model& model, const BertTokenizer& tok, const TextData& data, size_t max_length,
                    size_t stride, size_t batch);

// The number that picks the best checkpoint, by name ("f1", "strict_f1", "token_f1", "accuracy",
// "macro_f1", "micro_f1", "rmse", "mae", "r2", "loss"); a UsageError when the task's reports
// do not have it.
double metric_value(const nlohmann::ordered_json& metrics, const std::string& name);
std::string default_metric(Task task);
bool lower_is_better(const std::string& metric);

}  // namespace xinzhi::text
