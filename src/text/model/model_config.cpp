#include "text/model/model_config.hpp"
#include "text/data/word_shape.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace xinzhi::text {

const char* task_name(Task t) {
  switch (t) {
    case Task::sequence_classification: return "classification";
    case Task::multi_label: return "multi-label";
    case Task::regression: return "regression";
    case Task::token_classification: return "ner";
    case Task::masked_lm: return "mlm";
  }
  return "?";
}

Task parse_task(const std::string& name) {
  for (Task t : {Task::sequence_classification, Task::multi_label, Task::regression, Task::token_classification,
                 Task::masked_lm})
    if (name == task_name(t)) return t;
  throw UsageError(fmt::format("unknown task '{}' (classification, multi-label, regression, ner, mlm)", name));
}

ModelConfig ModelConfig::preset(const std::string& name) {
  ModelConfig c;
  auto set = [&](int64_t h, int64_t l, int64_t a) {
    c.hidden_size = h, c.num_hidden_layers = l, c.num_attention_heads = a, c.intermediate_size = 4 * h;
  };
  if (name == "tiny") set(128, 2, 2);
  else if (name == "mini") set(256, 4, 4);
  else if (name == "small") set(512, 4, 8);
  else if (name == "base") set(768, 12, 12);
  else throw UsageError(fmt::format("unknown model size '{}' (tiny, mini, small, base)", name));
  return c;
}

namespace {
const char* architecture(Task t) {
  switch (t) {
    case Task::sequence_classification:
    case Task::multi_label:
    case Task::regression: return "BertForSequenceClassification";
    case Task::token_classification: return "BertForTokenClassification";
    case Task::masked_lm: return "BertForMaskedLM";
  }
  return "BertModel";
}
}  // namespace

std::string ModelConfig::to_json() const {
  nlohmann::ordered_json j;
  j["architectures"] = {architecture(task)};
  j["model_type"] = "bert";
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["intermediate_size"] = intermediate_size;
  j["hidden_act"] = hidden_act;
  j["hidden_dropout_prob"] = hidden_dropout_prob;
  j["attention_probs_dropout_prob"] = attention_probs_dropout_prob;
  j["max_position_embeddings"] = max_position_embeddings;
  j["type_vocab_size"] = type_vocab_size;
  j["initializer_range"] = initializer_range;
  j["layer_norm_eps"] = layer_norm_eps;
  j["pad_token_id"] = pad_token_id;
  j["position_embedding_type"] = "absolute";
  if (task != Task::masked_lm) {
    nlohmann::ordered_json id2label = nlohmann::ordered_json::object(), label2id = nlohmann::ordered_json::object();
    std::vector<std::string> names = labels;
    if (task == Task::regression && names.empty()) names = {"LABEL_0"};
    for (size_t i = 0; i < names.size(); ++i) {
      id2label[std::to_string(i)] = names[i];
      label2id[names[i]] = i;
    }
    j["id2label"] = id2label;
    j["label2id"] = label2id;
  }
  if (task == Task::regression) j["problem_type"] = "regression";
  if (task == Task::multi_label) j["problem_type"] = "multi_label_classification";
  if (task == Task::sequence_classification) j["problem_type"] = "single_label_classification";
  j["xinzhi"] = {{"task", task_name(task)}, {"crf", crf}, {"lowercase", lowercase}, {"word_shape", word_shape},
                 {"document_context", document_context}};
  return j.dump(2) + "\n";
}

ModelConfig ModelConfig::parse(const std::string& text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(origin, fmt::format("not valid JSON: {}", e.what()));
  }
  if (!j.is_object()) throw InputError(origin, "config.json must be a JSON object");
  ModelConfig c;
  auto get_int = [&](const char* key, int64_t& v) {
    if (!j.contains(key)) return;
    if (!j[key].is_number_integer()) throw InputError(origin + ": " + key, "must be an integer");
    v = j[key].get<int64_t>();
  };
  auto get_num = [&](const char* key, double& v) {
    if (!j.contains(key)) return;
    if (!j[key].is_number()) throw InputError(origin + ": " + key, "must be a number");
    v = j[key].get<double>();
  };
  get_int("vocab_size", c.vocab_size);
  get_int("hidden_size", c.hidden_size);
  get_int("num_hidden_layers", c.num_hidden_layers);
  get_int("num_attention_heads", c.num_attention_heads);
  get_int("intermediate_size", c.intermediate_size);
  get_int("max_position_embeddings", c.max_position_embeddings);
  get_int("type_vocab_size", c.type_vocab_size);
  if (j.contains("pad_token_id") && j["pad_token_id"].is_number_integer()) c.pad_token_id = j["pad_token_id"].get<int64_t>();
  get_num("hidden_dropout_prob", c.hidden_dropout_prob);
  get_num("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  get_num("initializer_range", c.initializer_range);
  get_num("layer_norm_eps", c.layer_norm_eps);
  if (j.contains("hidden_act")) {
    if (!j["hidden_act"].is_string()) throw InputError(origin + ": hidden_act", "must be a string");
    c.hidden_act = j["hidden_act"];
    if (c.hidden_act != "gelu" && c.hidden_act != "gelu_new" && c.hidden_act != "relu" && c.hidden_act != "gelu_pytorch_tanh")
      throw InputError(origin + ": hidden_act", fmt::format("unsupported activation '{}'", c.hidden_act));
  }
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute")
    throw InputError(origin + ": position_embedding_type", "only 'absolute' positions are supported");

  // The task: xinzhi's own key, else the architecture and problem_type.
  std::string arch;
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
      j["architectures"][0].is_string())
    arch = j["architectures"][0];
  std::string problem = j.value("problem_type", "");
  if (j.contains("xinzhi") && j["xinzhi"].is_object()) {
    const auto& x = j["xinzhi"];
    if (x.contains("task")) {
      try {
        c.task = parse_task(x["task"].get<std::string>());
      } catch (const std::exception&) {
        throw InputError(origin + ": xinzhi.task", "unknown task");
      }
    }
    c.crf = x.value("crf", false);
    c.lowercase = x.value("lowercase", false);
    c.word_shape = x.value("word_shape", false);
    c.document_context = x.value("document_context", false);
  } else if (arch == "BertForTokenClassification") {
    c.task = Task::token_classification;
  } else if (arch == "BertForMaskedLM" || arch == "BertForPreTraining" || arch == "BertModel") {
    c.task = Task::masked_lm;
  } else if (arch == "BertForSequenceClassification") {
    c.task = problem == "regression" ? Task::regression
             : problem == "multi_label_classification" ? Task::multi_label
                                                       : Task::sequence_classification;
  }
  if (j.contains("id2label")) {
    if (!j["id2label"].is_object()) throw InputError(origin + ": id2label", "must be an object of \"id\": label");
    std::map<long, std::string> byid;
    for (auto& [k, v] : j["id2label"].items()) {
      char* end = nullptr;
      long id = std::strtol(k.c_str(), &end, 10);
      if (k.empty() || *end || id < 0 || !v.is_string())
        throw InputError(origin + ": id2label." + k, "must map a non-negative integer id to a label name");
      byid[id] = v.get<std::string>();
    }
    long expect = 0;
    for (auto& [id, name] : byid) {
      if (id != expect++) throw InputError(origin + ": id2label", "ids must be 0, 1, 2, ... without gaps");
      c.labels.push_back(name);
    }
  }
  if (c.task == Task::regression) c.labels.resize(1, "LABEL_0");
  c.validate(origin);
  return c;
}

void ModelConfig::validate(const std::string& origin) const {
  auto positive = [&](const char* key, int64_t v) {
    if (v <= 0) throw InputError(origin + ": " + key, "must be positive");
  };
  positive("vocab_size", vocab_size);
  positive("hidden_size", hidden_size);
  positive("num_hidden_layers", num_hidden_layers);
  positive("num_attention_heads", num_attention_heads);
  positive("intermediate_size", intermediate_size);
  positive("max_position_embeddings", max_position_embeddings);
  positive("type_vocab_size", type_vocab_size);
  if (hidden_size % num_attention_heads != 0)
    throw InputError(origin + ": num_attention_heads", fmt::format("hidden_size {} is not a multiple of {}", hidden_size, num_attention_heads));
  if (word_shape && type_vocab_size < kWordShapes)
    throw InputError(origin + ": type_vocab_size",
                     fmt::format("word shapes need {} token types, the model has {}", static_cast<int>(kWordShapes), type_vocab_size));
  if (task != Task::masked_lm && task != Task::regression && labels.empty())
    throw InputError(origin + ": id2label", "a classifier needs at least one label");
}

}  // namespace xinzhi::text
