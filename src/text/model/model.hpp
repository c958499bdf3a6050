// A BERT encoder with a task head (sequence classification, multi-label, regression, token
// classification with softmax or CRF, masked LM), with Hugging Face parameter names and shapes.
// libtorch stays behind the pimpl: including this header does not pull in torch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "text/model/model_config.hpp"
#include "text/model/safetensors.hpp"

namespace xinzhi::text {

// One padded batch, on the host. Fields that a task does not use stay empty.
struct Batch {
  int64_t size = 0, length = 0;
  std::vector<int64_t> ids, mask;  // [size * length]; mask 1 = real token
  std::vector<int64_t> types;      // token type ids [size * length] (word shapes); empty: all 0
  // token classification: the first piece of each labelled word, and its label (-100: none)
  int64_t words = 0;
  std::vector<int64_t> word_pos, word_labels;  // [size * words]
  std::vector<int64_t> labels;                 // sequence classification: [size]
  std::vector<float> targets;                  // multi-label [size * num_labels], regression [size]
  std::vector<int64_t> mlm_labels;             // masked LM: [size * length], -100 where not masked
  int64_t tokens() const;                      // real (non-pad) tokens
};

// What a forward pass without gradients gives, flattened row-major.
struct Prediction {
  std::vector<int32_t> labels;  // token cls: [size * words] (-1 past a row's words); seq cls: [size]
  std::vector<float> scores;    // probability of the chosen label, same layout as labels
  std::vector<float> probs;     // seq cls / multi-label: [size * num_labels]; regression: [size]
};

// Keys a checkpoint lacked (initialised at random) and keys it had that the model does not use.
struct LoadReport {
  std::vector<std::string> missing, unexpected;
};

class Model {
 public:
  // Random initialisation as Hugging Face does it (normal(0, initializer_range), zero biases).
  Model(const ModelConfig& config, uint64_t seed);
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  // A folder with config.json and model.safetensors (any Hugging Face BertFor* checkpoint;
  // legacy gamma/beta names, embeddings.position_ids and a missing pooler are accepted).
  static Model load(const std::string& folder, LoadReport* report = nullptr);
  // Takes the weights of `tensors` (e.g. a pretrained encoder); shapes must match.
  void load_state(const std::vector<NamedTensor>& tensors, const std::string& origin, LoadReport* report);
  // Writes config.json and model.safetensors into `folder` (created), each atomically.
  void save(const std::string& folder) const;
  std::vector<NamedTensor> state() const;

  const ModelConfig& config() const;
  int64_t num_parameters() const;
  void set_threads(int threads);

  Prediction predict(const Batch& batch) const;
  // The summed loss of a batch without gradients (dropout off), and how many items it sums.
  double loss(const Batch& batch, int64_t& items) const;

  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xinzhi::text
