#include "serve/text_service.hpp"

#include <filesystem>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "serve/api_context.hpp"
#include "text/evaluate/prediction.hpp"
#include "text/model/model.hpp"
#include "text/model/model_folder.hpp"

namespace xinzhi::serve {

struct LoadedModel {
  explicit LoadedModel(const std::string& folder)
      : model(text::Model::load(folder)), tok(text::load_tokenizer(folder, model.config())) {}
  text::Model model;
  text::BertTokenizer tok;
  std::mutex mutex;  // one request at a time per model (its forward pass uses the cores anyway)
};

struct TextService::Impl {
  std::map<std::string, std::unique_ptr<LoadedModel>> models;
};

TextService::TextService(const std::vector<std::string>& folders) : impl_(std::make_unique<Impl>()) {
  for (const auto& f : folders) {
    std::string name = std::filesystem::path(f).filename().string();
    if (name.empty()) name = std::filesystem::path(f).parent_path().filename().string();
    impl_->models[name] = std::make_unique<LoadedModel>(f);
  }
}

TextService::~TextService() = default;

bool TextService::empty() const { return impl_->models.empty(); }

nlohmann::json TextService::list() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, m] : impl_->models)
    out.push_back({{"name", name}, {"task", text::task_name(m->model.config().task)}, {"labels", m->model.config().num_labels()}});
  return out;
}

nlohmann::json TextService::predict(const std::string& model, const std::vector<std::string>& texts, std::size_t top_k) {
  if (impl_->models.empty()) throw ApiError{404, "model", "the server was started without text models (--text-model DIR)"};
  auto it = model.empty() && impl_->models.size() == 1 ? impl_->models.begin() : impl_->models.find(model);
  if (it == impl_->models.end())
    throw ApiError{model.empty() ? 400 : 404, "model",
                   model.empty() ? "several models are served: name one (GET /api/v1/text/models)" : "no text model named '" + model + "'"};
  LoadedModel& m = *it->second;
  // The one input reader of `text predict`: a JSON object with "text" a line.
  std::string lines;
  for (const auto& t : texts) lines += nlohmann::json({{"text", t}}).dump() + "\n";
  std::lock_guard<std::mutex> lock(m.mutex);
  const auto inputs = text::read_predict_inputs(lines, "texts", m.tok, m.model.config());
  nlohmann::json out = nlohmann::json::array();
  for (auto& j : text::predict(m.model, m.tok, inputs, 16, 32, top_k)) out.push_back(nlohmann::json::parse(j.dump()));
  return {{"model", it->first}, {"predictions", out}};
}

}  // namespace xinzhi::serve
