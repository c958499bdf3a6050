#include "text/trainer.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/adamw.hpp"
#include "text/dense.hpp"
#include "text/model_impl.hpp"

namespace xinzhi::text {

namespace fs = std::filesystem;

int64_t loss_items(const Batch& b, const ModelConfig& c) {
  switch (c.task) {
    case Task::token_classification: {
      if (c.crf) return b.size;
      int64_t n = 0;
      for (auto l : b.word_labels) n += l >= 0;
      return n;
    }
    case Task::sequence_classification:
    case Task::regression: return b.size;
    case Task::multi_label: return b.size * c.num_labels();
    case Task::masked_lm: {
      int64_t n = 0;
      for (auto l : b.mlm_labels) n += l >= 0;
      return n;
    }
  }
  return b.size;
}

namespace {

bool no_decay(const std::string& name) {
  return name.find("LayerNorm") != std::string::npos || (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0) ||
         name.rfind("crf.", 0) == 0;
}

std::string to_hex(const torch::Tensor& bytes) {
  auto t = bytes.contiguous();
  const uint8_t* p = t.data_ptr<uint8_t>();
  static const char* d = "0123456789abcdef";
  std::string out;
  for (int64_t i = 0; i < t.numel(); ++i) out += d[p[i] >> 4], out += d[p[i] & 15];
  return out;
}
torch::Tensor from_hex(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size() / 2)}, torch::kUInt8);
  uint8_t* p = t.data_ptr<uint8_t>();
  auto v = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < s.size(); i += 2) p[i / 2] = static_cast<uint8_t>(v(s[i]) * 16 + v(s[i + 1]));
  return t;
}

// AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments), one
// fused pass per parameter (text/adamw.hpp). grad_scale folds gradient-norm clipping into that
// pass instead of rewriting every gradient first.
struct AdamW {
  std::vector<torch::Tensor> m, v;
  // A parameter joins the updates at its first gradient and is updated every step after that,
  // with a zero gradient where a step does not reach it (as when gradients were zeroed, not
  // reset, between steps).
  std::vector<bool> started;
  int64_t t = 0;
  void init(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
    for (auto& [n, p] : params) m.push_back(torch::zeros_like(p)), v.push_back(torch::zeros_like(p));
    started.assign(params.size(), false);
  }
  void step(std::vector<std::pair<std::string, torch::Tensor>>& params, double lr, const TrainOptions& o,
            double grad_scale) {
    torch::NoGradGuard ng;
    ++t;
    for (size_t i = 0; i < params.size(); ++i) {
      auto& p = params[i].second;
      const auto& g = p.grad();
      if (g.defined()) started[i] = true;
      if (!started[i]) continue;
      AdamWStep s;
      s.lr = lr, s.beta1 = o.adam_beta1, s.beta2 = o.adam_beta2, s.eps = o.adam_eps;
      s.weight_decay = no_decay(params[i].first) ? 0.0 : o.weight_decay;
      s.step = t, s.grad_scale = grad_scale;
      const torch::Tensor gc = g.defined() ? g.to(torch::kFloat32).contiguous() : torch::Tensor();
      adamw_fused(p.data_ptr<float>(), gc.defined() ? gc.data_ptr<float>() : nullptr, m[i].data_ptr<float>(),
                  v[i].data_ptr<float>(), p.numel(), s);
    }
  }
};

// torch.nn.utils.clip_grad_norm_'s factor (max_norm / (total norm + 1e-6), at most 1), with the
// norm summed in one pass over each gradient.
double clip_scale(const std::vector<std::pair<std::string, torch::Tensor>>& params, double max_norm) {
  if (max_norm <= 0) return 1.0;
  double sq = 0;
  for (auto& [n, p] : params) {
    const auto& g = p.grad();
    if (!g.defined()) continue;
    const torch::Tensor gc = g.to(torch::kFloat32).contiguous();
    sq += sum_of_squares(gc.data_ptr<float>(), gc.numel());
  }
  return std::min(1.0, max_norm / (std::sqrt(sq) + 1e-6));
}

struct State {
  int epoch = 0;
  size_t batch = 0;  // next batch in the epoch
  int64_t step = 0;
  double best = 0;
  int64_t best_step = -1;
  int bad_evals = 0;
  std::vector<double> losses;
};

void save_last(const std::string& dir, Model& model, const AdamW& opt, const State& st,
               const std::function<void(const std::string&)>& save_extra) {
  model.save(dir);
  if (save_extra) save_extra(dir);
  auto& params = model.impl().params;
  std::vector<NamedTensor> tensors;
  for (size_t i = 0; i < params.size(); ++i)
    for (int k = 0; k < 2; ++k) {
      const auto& t = (k == 0 ? opt.m[i] : opt.v[i]).contiguous();
      NamedTensor nt;
      nt.name = (k == 0 ? "exp_avg." : "exp_avg_sq.") + params[i].first;
      nt.shape = t.sizes().vec();
      nt.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
      tensors.push_back(std::move(nt));
    }
  write_safetensors((fs::path(dir) / "optimizer.safetensors").string(), tensors);
  nlohmann::json j;
  j["epoch"] = st.epoch;
  j["batch"] = st.batch;
  j["step"] = st.step;
  j["adam_step"] = opt.t;
  j["best"] = std::isfinite(st.best) ? nlohmann::json(st.best) : nlohmann::json();  // null before any evaluation
  j["best_step"] = st.best_step;
  j["bad_evals"] = st.bad_evals;
  j["losses"] = st.losses;
  j["rng"] = to_hex(at::detail::getDefaultCPUGenerator().get_state());
  write_file_atomic((fs::path(dir) / "trainer_state.json").string(), j.dump(1));
}

void load_last(const std::string& dir, Model& model, AdamW& opt, State& st) {
  const std::string state_path = (fs::path(dir) / "trainer_state.json").string();
  if (!fs::exists(state_path)) throw InputError(dir, "nothing to resume: trainer_state.json is missing");
  LoadReport rep;
  Model saved = Model::load(dir, &rep);
  model.load_state(saved.state(), dir, nullptr);
  auto tensors = read_safetensors((fs::path(dir) / "optimizer.safetensors").string());
  std::map<std::string, const NamedTensor*> by_name;
  for (auto& t : tensors) by_name[t.name] = &t;
  auto& params = model.impl().params;
  torch::NoGradGuard ng;
  for (size_t i = 0; i < params.size(); ++i)
    for (int k = 0; k < 2; ++k) {
      const std::string name = (k == 0 ? "exp_avg." : "exp_avg_sq.") + params[i].first;
      torch::Tensor& dst = k == 0 ? opt.m[i] : opt.v[i];
      auto it = by_name.find(name);
      if (it == by_name.end() || it->second->shape != dst.sizes().vec())
        throw InputError(dir, "optimizer.safetensors does not match the model (" + name + ")");
      dst.copy_(torch::from_blob(const_cast<float*>(it->second->data.data()), dst.sizes(), torch::kFloat32));
    }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(state_path));
    st.epoch = j.at("epoch");
    st.batch = j.at("batch");
    st.step = j.at("step");
    opt.t = j.at("adam_step");
    if (!j.at("best").is_null()) st.best = j.at("best");
    st.best_step = j.at("best_step");
    st.bad_evals = j.at("bad_evals");
    st.losses = j.at("losses").get<std::vector<double>>();
    at::Generator gen = at::detail::getDefaultCPUGenerator();  // a handle sharing the default generator
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(from_hex(j.at("rng").get<std::string>()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(state_path, fmt::format("unreadable trainer state: {}", e.what()));
  }
}

}  // namespace

TrainResult train(Model& model, const std::vector<Example>& train_set, const TrainOptions& o,
                  const std::function<double(const Model&)>& eval,
                  const std::function<void(const std::string&)>& save_extra) {
  if (train_set.empty()) throw InputError("training data", "the training set is empty");
  set_compute_threads(o.threads);
  const ModelConfig& cfg = model.config();
  auto& impl = model.impl();
  auto& params = impl.params;
  torch::manual_seed(o.seed);  // dropout draws from the default generator

  const size_t acc = std::max<size_t>(1, o.accumulation);
  const size_t batches_per_epoch = (train_set.size() + o.batches.batch_size - 1) / std::max<size_t>(1, o.batches.batch_size);
  const int64_t steps_per_epoch = static_cast<int64_t>((batches_per_epoch + acc - 1) / acc);
  const int64_t total = steps_per_epoch * o.epochs;
  const int64_t warmup = static_cast<int64_t>(std::floor(o.warmup_ratio * static_cast<double>(total)));
  auto lr_at = [&](int64_t step) {  // Hugging Face's linear schedule with warmup
    if (step < warmup) return o.lr * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
    return o.lr * std::max(0.0, static_cast<double>(total - step) / static_cast<double>(std::max<int64_t>(1, total - warmup)));
  };

  AdamW opt;
  opt.init(params);
  State st;
  st.best = o.lower_is_better ? INFINITY : -INFINITY;
  const std::string last_dir = o.out_dir.empty() ? "" : (fs::path(o.out_dir) / "last").string();
  const std::string best_dir = o.out_dir.empty() ? "" : (fs::path(o.out_dir) / "best").string();
  if (o.resume) {
    if (last_dir.empty()) throw UsageError("--resume needs an output folder");
    load_last(last_dir, model, opt, st);
    spdlog::info("resuming at epoch {} batch {} (step {} of {})", st.epoch + 1, st.batch, st.step, total);
  }
  TrainResult res;

  auto evaluate = [&]() -> bool {  // returns true when training should stop early
    if (!eval) return false;
    const double m = eval(model);
    const bool better = o.lower_is_better ? m < st.best : m > st.best;
    if (better) {
      st.best = m, st.best_step = st.step, st.bad_evals = 0;
      if (!best_dir.empty()) {
        model.save(best_dir);
        if (save_extra) save_extra(best_dir);
      }
    } else {
      ++st.bad_evals;
    }
    spdlog::info("step {}: metric {:.4f} (best {:.4f} at step {})", st.step, m, st.best, st.best_step);
    return o.patience > 0 && st.bad_evals >= o.patience;
  };

  auto t0 = std::chrono::steady_clock::now(), last_log = t0;
  int64_t tokens = 0;
  bool stop = false;
  BatchOptions bo = o.batches;
  bo.seed = o.seed;
  for (; st.epoch < o.epochs && !stop; ++st.epoch, st.batch = 0) {
    auto batches = make_batches(train_set, cfg.task, cfg.num_labels(), bo, static_cast<uint64_t>(st.epoch));
    while (st.batch < batches.size() && !stop) {
      const size_t end = std::min(batches.size(), st.batch + acc);
      int64_t items = 0;
      for (size_t i = st.batch; i < end; ++i) items += loss_items(batches[i], cfg);
      double step_loss = 0;
      int64_t step_tokens = 0;
      for (size_t i = st.batch; i < end; ++i) {
        int64_t count = 0;
        auto loss = impl.loss(batches[i], true, count);
        auto scaled = loss / static_cast<double>(std::max<int64_t>(1, items));
        scaled.backward();
        step_loss += scaled.item<double>();
        step_tokens += batches[i].tokens();
      }
      tokens += step_tokens;
      opt.step(params, lr_at(st.step), o, clip_scale(params, o.clip));
      // Reset rather than zero the gradients: the next backward then hands its fresh gradient
      // over instead of adding it to zeros (a pass over every parameter saved, twice).
      for (auto& [n, p] : params)
        if (p.grad().defined()) p.mutable_grad().reset();
      ++st.step;
      st.batch = end;
      st.losses.push_back(step_loss);
      if (o.on_step) o.on_step(st.step, step_tokens);
      auto now = std::chrono::steady_clock::now();
      if (now - last_log > std::chrono::seconds(2) || st.step == total) {
        const double secs = std::chrono::duration<double>(now - t0).count();
        const double rate = static_cast<double>(st.step) / std::max(secs, 1e-9);
        spdlog::info("epoch {}/{} step {}/{} loss {:.4f} lr {:.2e} tokens/s {:.0f} time left {:.0f} s", st.epoch + 1,
                     o.epochs, st.step, total, step_loss, lr_at(st.step - 1), static_cast<double>(tokens) / secs,
                     static_cast<double>(total - st.step) / std::max(rate, 1e-9));
        last_log = now;
      }
      if (o.eval_every > 0 && st.step % o.eval_every == 0) {
        stop = evaluate();
        if (!last_dir.empty()) save_last(last_dir, model, opt, st, save_extra);
      }
      if (o.stop_after > 0 && st.step >= o.stop_after) {
        if (!last_dir.empty()) save_last(last_dir, model, opt, st, save_extra);
        res.steps = st.step;
        res.losses = st.losses;
        return res;
      }
    }
    if (o.eval_every == 0 && !stop) {
      stop = evaluate();
      if (!last_dir.empty()) {
        State next = st;
        next.epoch += 1, next.batch = 0;
        save_last(last_dir, model, opt, next, save_extra);
      }
    }
  }
  res.stopped_early = stop;
  res.steps = st.step;
  res.best_metric = st.best;
  res.best_step = st.best_step;
  res.losses = st.losses;
  if (!eval && !best_dir.empty()) {
    model.save(best_dir);
    if (save_extra) save_extra(best_dir);
  }
  return res;
}

}  // namespace xinzhi::text
