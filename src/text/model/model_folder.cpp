#include "text/model/model_folder.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace xinzhi::text {

namespace fs = std::filesystem;

BertTokenizer load_tokenizer(const std::string& folder, const ModelConfig& config) {
  const std::string vocab = (fs::path(folder) / "vocab.txt").string();
  if (!fs::exists(vocab)) throw InputError(folder, "not a model folder: vocab.txt is missing");
  bool lower = config.lowercase;
  const std::string tc = (fs::path(folder) / "tokenizer_config.json").string();
  if (fs::exists(tc)) {
    try {
      auto j = nlohmann::json::parse(read_file(tc));
      if (j.contains("do_lower_case") && j["do_lower_case"].is_boolean()) lower = j["do_lower_case"];
    } catch (const nlohmann::json::exception&) {
      throw InputError(tc, "not valid JSON");
    }
  }
  Vocab v = Vocab::load(vocab);
  if (static_cast<int64_t>(v.size()) > config.vocab_size)
    throw InputError(vocab, fmt::format("{} entries but config.json says vocab_size {}", v.size(), config.vocab_size));
  return BertTokenizer(std::move(v), {lower, lower, true, 100});
}

void save_tokenizer(const std::string& folder, const BertTokenizer& tok) {
  tok.vocab().save((fs::path(folder) / "vocab.txt").string());
  nlohmann::ordered_json j = {{"tokenizer_class", "BertTokenizer"},
                              {"do_lower_case", tok.options().lowercase},
                              {"strip_accents", tok.options().strip_accents},
                              {"tokenize_chinese_chars", tok.options().split_cjk},
                              {"model_max_length", 512}};
  write_file_atomic((fs::path(folder) / "tokenizer_config.json").string(), j.dump(2) + "\n");
}

PretrainedModel load_pretrained(const std::string& folder) {
  const std::string config_file = (fs::path(folder) / "config.json").string();
  ModelConfig config = ModelConfig::parse(read_file(config_file), config_file);
  const BertTokenizer tokenizer = load_tokenizer(folder, config);
  auto weights = read_safetensors((fs::path(folder) / "model.safetensors").string());
  return PretrainedModel{folder, std::move(config), tokenizer.vocab(), tokenizer.options(), std::move(weights)};
}

}  // namespace xinzhi::text
