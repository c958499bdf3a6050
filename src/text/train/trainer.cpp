#include "text/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/train/adamw.hpp"
#include "text/model/dense.hpp"
#include "text/model/model_impl.hpp"
#include "text/train/process_group_impl.hpp"

namespace xinzhi::text {

namespace fs = std::filesystem;

namespace {

// How many items a batch's summed loss runs over (words, texts, label decisions, masked tokens).
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

}  // namespace

bool cpu_has_bf16() {
  std::string info;
  try {
    // XINZHI_CPUINFO: another cpuinfo file (tests play a CPU without bf16 with it).
    const char* path = std::getenv("XINZHI_CPUINFO");
    info = read_file(path && *path ? path : "/proc/cpuinfo");
  } catch (const Error&) {
    return false;
  }
  // Flags are words on the "flags" lines; x86 names them avx512_bf16 and amx_bf16.
  for (const char* flag : {" avx512_bf16", " amx_bf16"})
    for (size_t pos = 0; (pos = info.find(flag, pos)) != std::string::npos; pos += 1) {
      const size_t end = pos + std::strlen(flag);
      if (end == info.size() || info[end] == ' ' || info[end] == '\n') return true;
    }
  return false;
}

void require_bf16_cpu() {
  if (!cpu_has_bf16())
    throw InputError("--bf16", "this CPU has no bf16 instructions (neither avx512_bf16 nor amx_bf16 in /proc/cpuinfo); "
                               "train in F32 (without --bf16)");
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

// Rows [lo, hi) of a batch: a rank's share. The padded length stays that of the whole batch, so
// that each row is computed exactly as in a single process.
Batch slice_rows(const Batch& b, int64_t lo, int64_t hi) {
  Batch out;
  out.size = hi - lo, out.length = b.length, out.words = b.words;
  auto cut = [&](const auto& v, auto& dst) {
    if (v.empty()) return;
    const size_t per = v.size() / static_cast<size_t>(b.size);
    dst.assign(v.begin() + static_cast<long>(static_cast<size_t>(lo) * per), v.begin() + static_cast<long>(static_cast<size_t>(hi) * per));
  };
  cut(b.ids, out.ids), cut(b.mask, out.mask), cut(b.types, out.types), cut(b.word_pos, out.word_pos), cut(b.word_labels, out.word_labels);
  cut(b.labels, out.labels), cut(b.targets, out.targets), cut(b.mlm_labels, out.mlm_labels);
  return out;
}

// Rank 0's values of the tensors on every rank, in one broadcast.
void broadcast_all(ProcessGroup& g, const std::vector<torch::Tensor*>& ts, const char* what) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> flat;
  for (auto* t : ts) flat.push_back(t->detach().reshape({-1}).to(torch::kFloat32));
  auto buf = torch::cat(flat);
  broadcast(g, buf, 0, what);
  int64_t off = 0;
  for (auto* t : ts) {
    t->detach().copy_(buf.narrow(0, off, t->numel()).view(t->sizes()));
    off += t->numel();
  }
}

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
  ProcessGroup* group = o.group && o.group->world_size() > 1 ? o.group : nullptr;
  const int rank = group ? group->rank() : 0, world = group ? group->world_size() : 1;
  const bool writer = rank == 0;  // only rank 0 evaluates, saves and logs
  if (o.bf16) require_bf16_cpu();
  impl.bf16 = o.bf16;
  // Dropout draws from the default generator; each rank its own stream (rank 0's is the
  // single-process one).
  torch::manual_seed(o.seed + static_cast<uint64_t>(rank));

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
    if (writer) load_last(last_dir, model, opt, st);  // the other ranks get it from rank 0 below
    if (writer) spdlog::info("resuming at epoch {} batch {} (step {} of {})", st.epoch + 1, st.batch, st.step, total);
  }
  // Data parallel: every rank checks that it holds the same data and model as rank 0, then
  // takes rank 0's weights (and, resuming, its optimizer state and position).
  torch::Tensor flat;  // all gradients in one buffer, plus the step's loss: one allreduce a step
  int64_t grad_numel = 0;
  if (group) {
    int64_t lengths = 0;
    for (auto& e : train_set) lengths += static_cast<int64_t>(e.ids.size()) + 7 * static_cast<int64_t>(e.word_labels.size());
    int64_t numel = 0;
    for (auto& [n, p] : params) numel += p.numel();
    auto sig = torch::tensor({static_cast<int64_t>(params.size()), numel, static_cast<int64_t>(train_set.size()), lengths,
                              total, static_cast<int64_t>(o.batches.batch_size), static_cast<int64_t>(acc)},
                             torch::kInt64);
    auto sig0 = sig.clone();
    broadcast(*group, sig0, 0, "the consistency check");
    auto differ = torch::tensor({sig.equal(sig0) ? 0.0f : 1.0f});
    allreduce_sum(*group, differ, "the consistency check");
    if (differ.item<float>() > 0)
      throw InputError(fmt::format("data-parallel rank {}", rank),
                       fmt::format("{} rank(s) have other training data, model or batch settings than rank 0 "
                                   "(give every rank the same command and files)",
                                   static_cast<int>(differ.item<float>())));
    std::vector<torch::Tensor*> ts;
    for (auto& [n, p] : params) ts.push_back(&p);
    if (o.resume)
      for (size_t i = 0; i < params.size(); ++i) ts.push_back(&opt.m[i]), ts.push_back(&opt.v[i]);
    broadcast_all(*group, ts, "sharing rank 0's weights");
    if (o.resume) {
      auto pos = torch::tensor({static_cast<int64_t>(st.epoch), static_cast<int64_t>(st.batch), st.step, opt.t}, torch::kInt64);
      broadcast(*group, pos, 0, "sharing rank 0's position");
      st.epoch = static_cast<int>(pos[0].item<int64_t>()), st.batch = static_cast<size_t>(pos[1].item<int64_t>());
      st.step = pos[2].item<int64_t>(), opt.t = pos[3].item<int64_t>();
      if (!writer) torch::manual_seed(o.seed + static_cast<uint64_t>(rank) * 1000003u + static_cast<uint64_t>(st.step));
    }
    // Gradients live as views in one flat buffer: backward accumulates into it in place and
    // the allreduce sums it without copies.
    for (auto& [n, p] : params) grad_numel += p.numel();
    flat = torch::zeros({grad_numel + 1}, torch::kFloat32);
    int64_t off = 0;
    for (auto& [n, p] : params) {
      p.mutable_grad() = flat.narrow(0, off, p.numel()).view(p.sizes());
      off += p.numel();
    }
  }
  TrainResult res;

  auto evaluate_here = [&]() -> bool {  // returns true when training should stop early
    if (!eval || !writer) return false;
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
  auto evaluate = [&]() -> bool {  // rank 0 decides for the group
    bool stop_now = evaluate_here();
    if (group) {
      auto t = torch::tensor({stop_now ? 1.0f : 0.0f});
      broadcast(*group, t, 0, "the early-stopping decision");
      stop_now = t.item<float>() > 0;
    }
    return stop_now;
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
        step_tokens += batches[i].tokens();
        const Batch* b = &batches[i];
        Batch share;
        if (group) {  // this rank's rows; the loss is still normalised over the global batch
          const int64_t lo = b->size * rank / world, hi = b->size * (rank + 1) / world;
          if (lo == hi) continue;
          share = slice_rows(*b, lo, hi);
          b = &share;
        }
        int64_t count = 0;
        auto loss = impl.loss(*b, true, count);
        auto scaled = loss / static_cast<double>(std::max<int64_t>(1, items));
        scaled.backward();
        step_loss += scaled.item<double>();
      }
      if (group) {
        flat[grad_numel].fill_(step_loss);
        allreduce_sum(*group, flat, "the gradient allreduce");
        step_loss = flat[grad_numel].item<double>();
      }
      tokens += step_tokens;
      opt.step(params, lr_at(st.step), o, clip_scale(params, o.clip));
      // Reset rather than zero the gradients: the next backward then hands its fresh gradient
      // over instead of adding it to zeros (a pass over every parameter saved, twice). Data
      // parallel keeps them as views of the flat allreduce buffer, so that buffer is zeroed.
      if (group) {
        flat.zero_();
      } else {
        for (auto& [n, p] : params)
          if (p.grad().defined()) p.mutable_grad().reset();
      }
      ++st.step;
      st.batch = end;
      st.losses.push_back(step_loss);
      if (o.on_step) o.on_step(st.step, step_tokens);
      auto now = std::chrono::steady_clock::now();
      if (writer && (now - last_log > std::chrono::seconds(2) || st.step == total)) {
        const double secs = std::chrono::duration<double>(now - t0).count();
        const double rate = static_cast<double>(st.step) / std::max(secs, 1e-9);
        spdlog::info("epoch {}/{} step {}/{} loss {:.4f} lr {:.2e} tokens/s {:.0f} time left {:.0f} s", st.epoch + 1,
                     o.epochs, st.step, total, step_loss, lr_at(st.step - 1), static_cast<double>(tokens) / secs,
                     static_cast<double>(total - st.step) / std::max(rate, 1e-9));
        last_log = now;
      }
      if (o.max_seconds > 0 && std::chrono::duration<double>(now - t0).count() >= o.max_seconds &&
          st.step < total) {
        spdlog::info("time budget of {:.0f} s reached at step {} of {}", o.max_seconds, st.step, total);
        res.out_of_time = stop = true;
        evaluate();
        if (!last_dir.empty()) save_last(last_dir, model, opt, st, save_extra);
        break;
      }
      if (o.eval_every > 0 && st.step % o.eval_every == 0) {
        stop = evaluate();
        if (writer && !last_dir.empty()) save_last(last_dir, model, opt, st, save_extra);
      }
      if (o.stop_after > 0 && st.step >= o.stop_after) {
        if (writer && !last_dir.empty()) save_last(last_dir, model, opt, st, save_extra);
        impl.bf16 = false;
        res.steps = st.step;
        res.losses = st.losses;
        return res;
      }
    }
    if (o.eval_every == 0 && !stop) {
      stop = evaluate();
      if (writer && !last_dir.empty()) {
        State next = st;
        next.epoch += 1, next.batch = 0;
        save_last(last_dir, model, opt, next, save_extra);
      }
    }
  }
  res.stopped_early = stop && !res.out_of_time;
  res.steps = st.step;
  res.best_metric = st.best;
  res.best_step = st.best_step;
  res.losses = st.losses;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  impl.bf16 = false;
  if (writer && !eval && !best_dir.empty()) {
    model.save(best_dir);
    if (save_extra) save_extra(best_dir);
  }
  return res;
}

}  // namespace xinzhi::text
