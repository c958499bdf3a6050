#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <ATen/autocast_mode.h>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/model/dense.hpp"
#include "text/model/dropout.hpp"
#include "text/model/model_impl.hpp"

namespace xinzhi::text {

namespace {
std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}
}  // namespace

int64_t Batch::tokens() const {
  int64_t n = 0;
  for (auto m : mask) n += m;
  return n;
}

torch::Tensor to_tensor(const std::vector<int64_t>& v, int64_t rows, int64_t cols) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), {rows, cols}, torch::kInt64).clone();
}

bool Model::Impl::has_pooler() const {
  return cfg.task == Task::sequence_classification || cfg.task == Task::multi_label || cfg.task == Task::regression;
}

torch::Tensor& Model::Impl::add(const std::string& name, std::vector<int64_t> shape) {
  params.emplace_back(name, torch::zeros(shape, torch::kFloat32));
  return params.back().second;
}

void Model::Impl::init(uint64_t seed) {
  const ModelConfig& c = cfg;
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  params.clear();
  layers.clear();
  word_emb = add("bert.embeddings.word_embeddings.weight", {c.vocab_size, H});
  pos_emb = add("bert.embeddings.position_embeddings.weight", {c.max_position_embeddings, H});
  type_emb = add("bert.embeddings.token_type_embeddings.weight", {c.type_vocab_size, H});
  emb_ln_w = add("bert.embeddings.LayerNorm.weight", {H});
  emb_ln_b = add("bert.embeddings.LayerNorm.bias", {H});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = fmt::format("bert.encoder.layer.{}.", i);
    Layer L;
    L.qw = add(p + "attention.self.query.weight", {H, H});
    L.qb = add(p + "attention.self.query.bias", {H});
    L.kw = add(p + "attention.self.key.weight", {H, H});
    L.kb = add(p + "attention.self.key.bias", {H});
    L.vw = add(p + "attention.self.value.weight", {H, H});
    L.vb = add(p + "attention.self.value.bias", {H});
    L.ow = add(p + "attention.output.dense.weight", {H, H});
    L.ob = add(p + "attention.output.dense.bias", {H});
    L.ln1w = add(p + "attention.output.LayerNorm.weight", {H});
    L.ln1b = add(p + "attention.output.LayerNorm.bias", {H});
    L.iw = add(p + "intermediate.dense.weight", {I, H});
    L.ib = add(p + "intermediate.dense.bias", {I});
    L.o2w = add(p + "output.dense.weight", {H, I});
    L.o2b = add(p + "output.dense.bias", {H});
    L.ln2w = add(p + "output.LayerNorm.weight", {H});
    L.ln2b = add(p + "output.LayerNorm.bias", {H});
    layers.push_back(L);
  }
  if (has_pooler()) {
    pool_w = add("bert.pooler.dense.weight", {H, H});
    pool_b = add("bert.pooler.dense.bias", {H});
  }
  if (c.task == Task::masked_lm) {
    mlm_w = add("cls.predictions.transform.dense.weight", {H, H});
    mlm_b = add("cls.predictions.transform.dense.bias", {H});
    mlm_ln_w = add("cls.predictions.transform.LayerNorm.weight", {H});
    mlm_ln_b = add("cls.predictions.transform.LayerNorm.bias", {H});
    mlm_bias = add("cls.predictions.bias", {c.vocab_size});
  } else {
    cls_w = add("classifier.weight", {c.num_labels(), H});
    cls_b = add("classifier.bias", {c.num_labels()});
  }
  if (c.task == Task::token_classification && c.crf) {
    const int64_t L = c.num_labels();
    crf_start = add("crf.start_transitions", {L});
    crf_end = add("crf.end_transitions", {L});
    crf_trans = add("crf.transitions", {L, L});
  }
  // Hugging Face's _init_weights: normal(0, initializer_range) for matrices and embeddings,
  // zero biases, LayerNorm weight 1; the padding row of the word embeddings is zero. CRF
  // transitions uniform(-0.1, 0.1) as pytorch-crf.
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto& [name, t] : params) {
    const bool ln = name.find("LayerNorm") != std::string::npos;
    if (name.rfind("crf.", 0) == 0) t.uniform_(-0.1, 0.1, gen);
    else if (ln && name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0) t.fill_(1.0);
    else if (t.dim() >= 2) t.normal_(0.0, c.initializer_range, gen);
    else t.zero_();
  }
  if (c.pad_token_id >= 0 && c.pad_token_id < c.vocab_size) word_emb[c.pad_token_id].zero_();
  for (auto& [name, t] : params) t.set_requires_grad(true);
}

torch::Tensor Model::Impl::encode(const Batch& b, bool train) const {
  auto ids = to_tensor(b.ids, b.size, b.length), mask = to_tensor(b.mask, b.size, b.length);
  torch::Tensor types;
  if (!b.types.empty()) types = to_tensor(b.types, b.size, b.length);
  return encode(ids, mask, types, train);
}

torch::Tensor Model::Impl::encode(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& types,
                                  bool train) const {
  const int64_t B = ids.size(0), S = ids.size(1), H = cfg.hidden_size, A = cfg.num_attention_heads, D = H / A;
  if (S > cfg.max_position_embeddings)
    throw InternalError(fmt::format("sequence of {} tokens exceeds max_position_embeddings {}", S, cfg.max_position_embeddings));
  const double pd = cfg.hidden_dropout_prob, ad = cfg.attention_probs_dropout_prob, eps = cfg.layer_norm_eps;
  auto x = torch::embedding(word_emb, ids) + pos_emb.narrow(0, 0, S).unsqueeze(0) +
           (types.defined() ? torch::embedding(type_emb, types) : type_emb[0]);
  x = hashed_dropout(torch::layer_norm(x, {H}, emb_ln_w, emb_ln_b, eps), pd, train);
  // Additive mask: 0 for real tokens, the float minimum for padding (as Hugging Face).
  auto ext = (1.0 - mask.to(torch::kFloat32)).mul(std::numeric_limits<float>::lowest()).view({B, 1, 1, S});
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  auto act = [&](const torch::Tensor& t) {
    if (cfg.hidden_act == "relu") return torch::relu(t);
    if (cfg.hidden_act == "gelu") return torch::gelu(t);
    return torch::gelu(t, "tanh");
  };
  for (const Layer& L : layers) {
    auto q = dense(x, L.qw, L.qb).view({B, S, A, D}).transpose(1, 2);
    auto k = dense(x, L.kw, L.kb).view({B, S, A, D}).transpose(1, 2);
    auto v = dense(x, L.vw, L.vb).view({B, S, A, D}).transpose(1, 2);
    auto scores = torch::matmul(q, k.transpose(-1, -2)).mul(scale) + ext;
    auto probs = hashed_dropout(torch::softmax(scores, -1), ad, train);
    auto ctx = torch::matmul(probs, v).transpose(1, 2).reshape({B, S, H});
    auto a = torch::layer_norm(hashed_dropout(dense(ctx, L.ow, L.ob), pd, train) + x, {H}, L.ln1w, L.ln1b, eps);
    auto inter = act(dense(a, L.iw, L.ib));
    x = torch::layer_norm(hashed_dropout(dense(inter, L.o2w, L.o2b), pd, train) + a, {H}, L.ln2w, L.ln2b, eps);
  }
  return x;
}

torch::Tensor Model::Impl::emissions(const Batch& b, bool train) const {
  auto h = encode(b, train);
  auto pos = to_tensor(b.word_pos, b.size, b.words);
  auto picked = torch::gather(h, 1, pos.unsqueeze(-1).expand({b.size, b.words, cfg.hidden_size}));
  return dense(hashed_dropout(picked, cfg.hidden_dropout_prob, train), cls_w, cls_b);
}

torch::Tensor Model::Impl::sequence_logits(const Batch& b, bool train) const {
  auto h = encode(b, train);
  auto pooled = torch::tanh(dense(h.select(1, 0), pool_w, pool_b));
  return dense(hashed_dropout(pooled, cfg.hidden_dropout_prob, train), cls_w, cls_b);
}

// Negative log-likelihood of the tag sequences, summed over rows (pytorch-crf's conventions:
// transitions[i][j] scores i -> j). Rows are prefixes: mask[:, t] implies mask[:, t-1].
torch::Tensor Model::Impl::crf_nll(const torch::Tensor& em, const torch::Tensor& tags, const torch::Tensor& mask) const {
  const int64_t W = em.size(1);
  auto maskf = mask.to(torch::kFloat32);
  auto safe_tags = tags.clamp_min(0);
  auto t0 = safe_tags.select(1, 0);
  auto score = crf_start.index_select(0, t0) + em.select(1, 0).gather(1, t0.unsqueeze(1)).squeeze(1);
  auto alpha = crf_start.unsqueeze(0) + em.select(1, 0);
  for (int64_t t = 1; t < W; ++t) {
    auto prev = safe_tags.select(1, t - 1), cur = safe_tags.select(1, t);
    auto mt = maskf.select(1, t);
    auto step = crf_trans.index({prev, cur}) + em.select(1, t).gather(1, cur.unsqueeze(1)).squeeze(1);
    score = score + step * mt;
    auto next = torch::logsumexp(alpha.unsqueeze(2) + crf_trans.unsqueeze(0) + em.select(1, t).unsqueeze(1), 1);
    alpha = torch::where(mask.select(1, t).unsqueeze(1), next, alpha);
  }
  auto last = mask.to(torch::kInt64).sum(1).sub(1).clamp_min(0);
  auto last_tags = safe_tags.gather(1, last.unsqueeze(1)).squeeze(1);
  score = score + crf_end.index_select(0, last_tags);
  auto logz = torch::logsumexp(alpha + crf_end.unsqueeze(0), 1);
  auto has = mask.select(1, 0).to(torch::kFloat32);  // rows without words add nothing
  return ((logz - score) * has).sum();
}

std::vector<int32_t> Model::Impl::viterbi(const torch::Tensor& em_in, const torch::Tensor& mask_in) const {
  auto em = em_in.contiguous();
  auto mask = mask_in.contiguous();
  const int64_t B = em.size(0), W = em.size(1), L = em.size(2);
  auto E = em.accessor<float, 3>();
  auto M = mask.accessor<bool, 2>();
  auto tr = crf_trans.detach().contiguous();
  auto T = tr.accessor<float, 2>();
  auto st = crf_start.detach().contiguous(), en = crf_end.detach().contiguous();
  auto S0 = st.accessor<float, 1>(), E0 = en.accessor<float, 1>();
  std::vector<int32_t> out(static_cast<size_t>(B * W), -1);
  std::vector<float> score(static_cast<size_t>(L)), next(static_cast<size_t>(L));
  std::vector<int32_t> back(static_cast<size_t>(W * L));
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    while (n < W && M[b][n]) ++n;
    if (n == 0) continue;
    for (int64_t j = 0; j < L; ++j) score[j] = S0[j] + E[b][0][j];
    for (int64_t t = 1; t < n; ++t) {
      for (int64_t j = 0; j < L; ++j) {
        float best = -INFINITY;
        int32_t arg = 0;
        for (int64_t i = 0; i < L; ++i) {
          float s = score[i] + T[i][j];
          if (s > best) best = s, arg = static_cast<int32_t>(i);
        }
        next[j] = best + E[b][t][j];
        back[t * L + j] = arg;
      }
      score.swap(next);
    }
    int32_t arg = 0;
    float best = -INFINITY;
    for (int64_t j = 0; j < L; ++j)
      if (score[j] + E0[j] > best) best = score[j] + E0[j], arg = static_cast<int32_t>(j);
    for (int64_t t = n - 1; t >= 0; --t) {
      out[b * W + t] = arg;
      if (t > 0) arg = back[t * L + arg];
    }
  }
  return out;
}

namespace {

// CPU autocast to bf16 for one forward pass, as torch.autocast("cpu", torch.bfloat16): matmuls
// and linears run in bf16 while reductions such as softmax and layer_norm stay F32. Restores the
// previous state and drops the cast weights at the end (they change with every optimizer step).
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool on) : on_(on) {
    if (!on_) return;
    prev_enabled_ = at::autocast::is_cpu_enabled();
    prev_dtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~Bf16Autocast() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(prev_enabled_);
    at::autocast::set_autocast_cpu_dtype(prev_dtype_);
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool on_, prev_enabled_ = false;
  at::ScalarType prev_dtype_ = at::kBFloat16;
};

}  // namespace

torch::Tensor Model::Impl::loss(const Batch& b, bool train, int64_t& count) const {
  const bool autocast = bf16 && train;
  // A forward under autocast, its output back in F32 for the loss.
  auto forward = [&](const auto& f) {
    Bf16Autocast guard(autocast);
    return f().to(torch::kFloat32);
  };
  switch (cfg.task) {
    case Task::token_classification: {
      auto em = forward([&] { return emissions(b, train); });
      auto labels = to_tensor(b.word_labels, b.size, b.words);
      auto valid = labels.ge(0);
      if (cfg.crf) {
        count = b.size;
        return crf_nll(em, labels, valid);
      }
      count = valid.sum().item<int64_t>();
      return torch::nn::functional::cross_entropy(
          em.reshape({-1, em.size(2)}), labels.reshape({-1}),
          torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
    }
    case Task::sequence_classification: {
      auto logits = forward([&] { return sequence_logits(b, train); });
      count = b.size;
      return torch::nn::functional::cross_entropy(
          logits, torch::tensor(b.labels, torch::kInt64),
          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    }
    case Task::multi_label: {
      auto logits = forward([&] { return sequence_logits(b, train); });
      count = b.size * cfg.num_labels();
      auto t = torch::tensor(b.targets, torch::kFloat32).view({b.size, cfg.num_labels()});
      return torch::binary_cross_entropy_with_logits(logits, t, {}, {}, at::Reduction::Sum);
    }
    case Task::regression: {
      auto logits = forward([&] { return sequence_logits(b, train); }).view({b.size});
      count = b.size;
      auto t = torch::tensor(b.targets, torch::kFloat32);
      return (logits - t).pow(2).sum();
    }
    case Task::masked_lm: {
      auto labels = to_tensor(b.mlm_labels, b.size, b.length).reshape({-1});
      auto where = labels.ge(0).nonzero().squeeze(1);
      count = where.size(0);
      if (count == 0) {
        auto h = forward([&] { return encode(b, train); });
        return (h.sum() * 0.0);
      }
      auto logits = forward([&] {
        auto h = encode(b, train).reshape({-1, cfg.hidden_size});
        auto hm = h.index_select(0, where);
        // layer_norm in F32: libtorch 1.13's CPU autocast leaves it alone, and it refuses a bf16
        // input with F32 weights (the encoder's inputs are F32 already through the residual sum).
        auto t = torch::layer_norm(torch::gelu(dense(hm, mlm_w, mlm_b)).to(torch::kFloat32), {cfg.hidden_size}, mlm_ln_w,
                                   mlm_ln_b, cfg.layer_norm_eps);
        return dense(t, word_emb, mlm_bias);  // decoder tied to the word embeddings
      });
      return torch::nn::functional::cross_entropy(
          logits, labels.index_select(0, where), torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    }
  }
  throw InternalError("unknown task");
}

// ---- Model ----

Model::Model(const ModelConfig& config, uint64_t seed) : impl_(std::make_unique<Impl>()) {
  config.validate("model config");
  impl_->cfg = config;
  impl_->init(seed);
}
Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const ModelConfig& Model::config() const { return impl_->cfg; }

int64_t Model::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, t] : impl_->params) n += t.numel();
  return n;
}

void Model::set_threads(int threads) {
  set_compute_threads(threads);
}

std::vector<NamedTensor> Model::state() const {
  std::vector<NamedTensor> out;
  for (auto& [name, t] : impl_->params) {
    NamedTensor nt;
    nt.name = name;
    nt.shape = t.sizes().vec();
    auto c = t.detach().contiguous();
    nt.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    out.push_back(std::move(nt));
  }
  return out;
}

void Model::load_state(const std::vector<NamedTensor>& tensors, const std::string& origin, LoadReport* report) {
  std::map<std::string, torch::Tensor*> by_name;
  for (auto& [name, t] : impl_->params) by_name[name] = &t;
  std::set<std::string> seen;
  LoadReport rep;
  torch::NoGradGuard ng;
  for (const auto& nt : tensors) {
    std::string name = nt.name;
    // Legacy names: TF-era LayerNorm gamma/beta; BertModel checkpoints without "bert.".
    auto ends = [&](const std::string& s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
    if (ends(".gamma")) name = name.substr(0, name.size() - 6) + ".weight";
    if (ends(".beta")) name = name.substr(0, name.size() - 5) + ".bias";
    if (name.rfind("embeddings.", 0) == 0 || name.rfind("encoder.", 0) == 0 || name.rfind("pooler.", 0) == 0)
      name = "bert." + name;
    if (name == "bert.embeddings.position_ids") continue;  // a buffer, not a weight
    if (name == "cls.predictions.decoder.weight" || name == "cls.predictions.decoder.bias") {
      if (impl_->cfg.task == Task::masked_lm) continue;  // tied to the word embeddings / bias
    }
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      rep.unexpected.push_back(nt.name);
      continue;
    }
    torch::Tensor& t = *it->second;
    if (t.sizes().vec() != nt.shape)
      throw InputError(origin + ": " + nt.name,
                       fmt::format("shape {} contradicts config.json, which implies {}", shape_str(nt.shape),
                                   shape_str(t.sizes().vec())));
    t.copy_(torch::from_blob(const_cast<float*>(nt.data.data()), t.sizes(), torch::kFloat32));
    seen.insert(name);
  }
  for (auto& [name, t] : impl_->params)
    if (!seen.count(name)) rep.missing.push_back(name);
  if (report) *report = rep;
}

Model Model::load(const std::string& folder, LoadReport* report) {
  namespace fs = std::filesystem;
  const std::string cfg_path = (fs::path(folder) / "config.json").string();
  const std::string st_path = (fs::path(folder) / "model.safetensors").string();
  if (!fs::exists(cfg_path)) throw InputError(folder, "not a model folder: config.json is missing");
  if (!fs::exists(st_path)) throw InputError(folder, "not a model folder: model.safetensors is missing");
  ModelConfig cfg = ModelConfig::parse(read_file(cfg_path), cfg_path);
  auto tensors = read_safetensors(st_path);
  Model m(cfg, 0);
  m.load_state(tensors, st_path, report);
  return m;
}

void Model::save(const std::string& folder) const {
  std::filesystem::create_directories(folder);
  write_safetensors((std::filesystem::path(folder) / "model.safetensors").string(), state());
  write_file_atomic((std::filesystem::path(folder) / "config.json").string(), impl_->cfg.to_json());
}

double Model::loss(const Batch& b, int64_t& items) const {
  torch::NoGradGuard ng;
  return impl_->loss(b, false, items).item<double>();
}

Prediction Model::predict(const Batch& b) const {
  torch::NoGradGuard ng;
  Prediction p;
  const Impl& m = *impl_;
  switch (m.cfg.task) {
    case Task::token_classification: {
      auto em = m.emissions(b, false);
      auto valid = to_tensor(b.word_pos, b.size, b.words).gt(0);  // position 0 is [CLS]: padding
      auto probs = torch::softmax(em, -1).contiguous();
      std::vector<int32_t> tags;
      if (m.cfg.crf) {
        tags = m.viterbi(em, valid);
      } else {
        auto am = em.argmax(-1).masked_fill(valid.logical_not(), -1).to(torch::kInt32).contiguous();
        tags.assign(am.data_ptr<int32_t>(), am.data_ptr<int32_t>() + am.numel());
      }
      p.labels = tags;
      p.scores.assign(tags.size(), 0.f);
      auto P = probs.accessor<float, 3>();
      for (int64_t i = 0; i < b.size; ++i)
        for (int64_t w = 0; w < b.words; ++w) {
          auto t = tags[static_cast<size_t>(i * b.words + w)];
          if (t >= 0) p.scores[static_cast<size_t>(i * b.words + w)] = P[i][w][t];
        }
      return p;
    }
    case Task::sequence_classification:
    case Task::multi_label:
    case Task::regression: {
      auto logits = m.sequence_logits(b, false);
      torch::Tensor probs = m.cfg.task == Task::sequence_classification ? torch::softmax(logits, -1)
                            : m.cfg.task == Task::multi_label          ? torch::sigmoid(logits)
                                                                        : logits.view({b.size});
      probs = probs.contiguous();
      p.probs.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
      if (m.cfg.task == Task::sequence_classification) {
        auto [mx, am] = probs.max(-1);
        auto am32 = am.to(torch::kInt32).contiguous();
        p.labels.assign(am32.data_ptr<int32_t>(), am32.data_ptr<int32_t>() + am32.numel());
        p.scores.assign(mx.data_ptr<float>(), mx.data_ptr<float>() + mx.numel());
      }
      return p;
    }
    case Task::masked_lm:
      throw UsageError("a masked-LM model predicts no labels; fine-tune it for a task first");
  }
  return p;
}

}  // namespace xinzhi::text
