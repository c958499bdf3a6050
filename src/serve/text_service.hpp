// The text models as a digital service: model folders given to `xinzhi serve --text-model`,
// loaded once, each answering texts with its labels, top-k scores and (taggers) entities with
// character offsets (text/evaluate/prediction.hpp, as `xinzhi text predict` does).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace xinzhi::serve {

class TextService {
 public:
  // Throws InputError naming the folder when one is not a model.
  explicit TextService(const std::vector<std::string>& folders);
  ~TextService();
  // The models' names (their folders' names) and tasks.
  nlohmann::json list() const;
  // One answer per text. model: a name from list() ("" when there is exactly one). Throws
  // ApiError for an unknown model.
  nlohmann::json predict(const std::string& model, const std::vector<std::string>& texts, std::size_t top_k);
  bool empty() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xinzhi::serve
