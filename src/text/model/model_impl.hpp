// Internal: the libtorch side of Model, shared by model.cpp and trainer.cpp only.
#pragma once

#include <torch/torch.h>

#include "text/model/model.hpp"

namespace xinzhi::text {

struct Model::Impl {
  ModelConfig cfg;
  // Training forward passes under bf16 autocast (set by the trainer); the head's outputs go back
  // to F32 before the loss, and the weights stay F32.
  bool bf16 = false;
  // All trainable parameters in a fixed order, by Hugging Face name.
  std::vector<std::pair<std::string, torch::Tensor>> params;

  struct Layer {
    torch::Tensor qw, qb, kw, kb, vw, vb, ow, ob, ln1w, ln1b, iw, ib, o2w, o2b, ln2w, ln2b;
  };
  torch::Tensor word_emb, pos_emb, type_emb, emb_ln_w, emb_ln_b;
  std::vector<Layer> layers;
  torch::Tensor pool_w, pool_b, cls_w, cls_b;                 // pooler, classifier
  torch::Tensor crf_trans, crf_start, crf_end;                // CRF
  torch::Tensor mlm_w, mlm_b, mlm_ln_w, mlm_ln_b, mlm_bias;  // cls.predictions.*

  bool has_pooler() const;
  torch::Tensor& add(const std::string& name, std::vector<int64_t> shape);
  void init(uint64_t seed);

  // [B, S, H] hidden states.
  // types: token type ids [B, S], or an undefined tensor for all zeros.
  torch::Tensor encode(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& types, bool train) const;
  torch::Tensor encode(const Batch& b, bool train) const;
  // Token classification: emissions [B, W, L] at the words' first pieces.
  torch::Tensor emissions(const Batch& b, bool train) const;
  // Sequence heads: logits [B, L].
  torch::Tensor sequence_logits(const Batch& b, bool train) const;
  // The summed loss of a batch and how many items it sums over (words, texts or masked tokens),
  // so that accumulated batches can be normalised over all of them.
  torch::Tensor loss(const Batch& b, bool train, int64_t& count) const;

  torch::Tensor crf_nll(const torch::Tensor& em, const torch::Tensor& tags, const torch::Tensor& mask) const;
  std::vector<int32_t> viterbi(const torch::Tensor& em, const torch::Tensor& mask) const;
};

torch::Tensor to_tensor(const std::vector<int64_t>& v, int64_t rows, int64_t cols);

}  // namespace xinzhi::text
