#include "text/train/tune.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "text/evaluate/evaluation.hpp"
#include "text/model/model_folder.hpp"

namespace xinzhi::text {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // no evaluation yet

namespace {

bool parse_number(std::string_view s, double& out) {
  s = trim(s);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

// Rounds to `digits` significant digits, so that the table and the reproduce command show
// exactly the value a trial trained with.
double round_significant(double x, int digits) {
  if (x == 0) return 0;
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * scale) / scale;
}

// Uniform in [0, 1) from the generator's bits: std::uniform_real_distribution differs between
// standard libraries, and the draws must be the same for a seed everywhere.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Thrown from the trainer's step callback when the time budget is spent: it unwinds out of
// the trial cleanly (the trial's folder keeps what its last finished rung saved).
struct BudgetSpent {};

// While a trial trains, the driver's and trainer's info logs are not shown: tune logs one line
// per finished rung instead.
class QuietTrial {
 public:
  QuietTrial() : old_level_(spdlog::get_level()) {
    if (old_level_ < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
  }
  ~QuietTrial() { spdlog::set_level(old_level_); }
  QuietTrial(const QuietTrial&) = delete;
  QuietTrial& operator=(const QuietTrial&) = delete;

 private:
  spdlog::level::level_enum old_level_;
};

int64_t total_steps(size_t examples, size_t batch_size, size_t accumulation, int epochs) {
  const size_t batches = (examples + batch_size - 1) / batch_size;
  const size_t acc = std::max<size_t>(1, accumulation);
  return static_cast<int64_t>((batches + acc - 1) / acc) * epochs;
}

bool better(double a, double b, bool lower) { return lower ? a < b : a > b; }

// The model files of a model folder (not the optimizer and trainer state of last/).
void copy_model(const fs::path& from, const fs::path& to) {
  const fs::path tmp = to.string() + ".tmp";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"})
    if (fs::exists(from / f)) fs::copy_file(from / f, tmp / f, fs::copy_options::overwrite_existing);
  fs::remove_all(to);
  fs::rename(tmp, to);
}

std::string shell_quote(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("_./=:,+-@%").find(ch) != std::string_view::npos;
  });
  if (plain) return s;
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// `xinzhi text train` with the user's data, model and fixed options and the trial's values.
std::string reproduce_command(const TrainSettings& c, const TrainFiles& files, const Trial& t, const std::string& out) {
  const TrainSettings d;  // defaults: options left at them are not repeated
  std::string s = "xinzhi text train --task " + std::string(task_name(c.task)) + " --train " + shell_quote(files.train);
  if (!files.dev.empty()) s += " --dev " + shell_quote(files.dev);
  s += " -o " + shell_quote(out);
  auto opt = [&](const char* name, const std::string& v) { s += fmt::format(" {} {}", name, shell_quote(v)); };
  if (!files.vocab.empty()) opt("--vocab", files.vocab);
  if (c.vocab_size != d.vocab_size) opt("--vocab-size", std::to_string(c.vocab_size));
  if (!files.init.empty()) opt("--init", files.init);
  if (c.size != d.size) opt("--size", c.size);
  if (c.hidden) opt("--hidden", std::to_string(c.hidden));
  if (c.layers) opt("--layers", std::to_string(c.layers));
  if (c.heads) opt("--heads", std::to_string(c.heads));
  if (c.intermediate) opt("--intermediate", std::to_string(c.intermediate));
  if (c.uncased) s += " --uncased";
  if (c.crf) s += " --crf";
  if (c.label_all_pieces) s += " --label-all-pieces";
  if (c.word_shape) s += " --word-shape";
  if (c.document_context) s += " --document-context";
  if (c.max_length != d.max_length) opt("--max-length", std::to_string(c.max_length));
  if (c.stride != d.stride) opt("--stride", std::to_string(c.stride));
  if (!c.metric.empty()) opt("--metric", c.metric);
  if (c.train.weight_decay != d.train.weight_decay) opt("--weight-decay", fmt::format("{}", c.train.weight_decay));
  if (c.train.clip != d.train.clip) opt("--clip", fmt::format("{}", c.train.clip));
  if (c.train.accumulation != d.train.accumulation) opt("--accumulation", std::to_string(c.train.accumulation));
  if (!c.train.batches.bucket) s += " --no-bucket";
  if (c.train.batches.token_dropout != d.train.batches.token_dropout)
    opt("--token-dropout", fmt::format("{}", c.train.batches.token_dropout));
  if (c.train.batches.entity_dropout != d.train.batches.entity_dropout)
    opt("--entity-dropout", fmt::format("{}", c.train.batches.entity_dropout));
  if (c.train.batches.mlm_probability != d.train.batches.mlm_probability)
    opt("--mlm-probability", fmt::format("{}", c.train.batches.mlm_probability));
  if (c.train.bf16) s += " --bf16";
  if (c.train.threads) opt("--threads", std::to_string(c.train.threads));
  s += fmt::format(" --epochs {} --batch-size {} --lr {} --warmup {} --dropout {} --seed {}", t.epochs, t.batch_size, t.lr,
                   t.warmup, t.dropout, c.train.seed);
  return s;
}

nlohmann::ordered_json trial_json(const Trial& t) {
  nlohmann::ordered_json j;
  j["trial"] = t.id;
  j["lr"] = t.lr;
  j["batch_size"] = t.batch_size;
  j["epochs"] = t.epochs;
  j["warmup"] = t.warmup;
  j["dropout"] = t.dropout;
  j["rung"] = t.rung;
  j["steps"] = t.steps;
  j["total_steps"] = t.total_steps;
  j["metric"] = t.rung > 0 ? nlohmann::ordered_json(t.metric) : nlohmann::ordered_json();
  j["seconds"] = std::round(t.seconds * 100) / 100;
  return j;
}

}  // namespace

Range parse_range(const std::string& option, const std::string& text) {
  Range r;
  const auto dots = text.find("..");
  const std::string lo = dots == std::string::npos ? text : text.substr(0, dots);
  const std::string hi = dots == std::string::npos ? text : text.substr(dots + 2);
  if (!parse_number(lo, r.lo) || !parse_number(hi, r.hi))
    throw InputError(option, fmt::format("'{}' is not a range: write LOW..HIGH (e.g. 1e-5..1e-3) or one number", text));
  if (r.lo > r.hi)
    throw InputError(option, fmt::format("'{}': the low end {} is above the high end {} (write LOW..HIGH)", text, lo, hi));
  return r;
}

std::vector<size_t> parse_batch_sizes(const std::string& option, const std::string& text) {
  std::vector<size_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item(trim(std::string_view(text).substr(pos, comma - pos)));
    size_t v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v == 0)
      throw InputError(option, fmt::format("'{}' is not a batch size: give whole numbers above 0 separated by commas "
                                           "(e.g. 8,16,32)", item));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

double parse_duration_seconds(const std::string& option, const std::string& text) {
  std::string num = text;
  double unit_s = 1;
  if (!num.empty()) {
    const char u = num.back();
    if (u == 's' || u == 'm' || u == 'h') {
      unit_s = u == 's' ? 1 : u == 'm' ? 60 : 3600;
      num.pop_back();
    }
  }
  double v = 0;
  if (!parse_number(num, v) || v < 0)
    throw InputError(option, fmt::format("'{}' is not a duration: write e.g. 90s, 10m or 1.5h (0: no limit)", text));
  return v * unit_s;
}

void validate(const SearchSpace& s) {
  if (s.lr.lo <= 0) throw InputError("--lr-range", fmt::format("the learning rate must be above 0 (got {})", s.lr.lo));
  if (s.batch_sizes.empty()) throw InputError("--batch-sizes", "give at least one batch size");
  if (s.epochs.lo < 1 || s.epochs.lo != std::floor(s.epochs.lo) || s.epochs.hi != std::floor(s.epochs.hi))
    throw InputError("--epochs-range", fmt::format("epochs are whole numbers from 1 (got {}..{})", s.epochs.lo, s.epochs.hi));
  if (s.warmup.lo < 0 || s.warmup.hi >= 1)
    throw InputError("--warmup-range", fmt::format("warmup is a fraction of the steps in [0, 1) (got {}..{})", s.warmup.lo, s.warmup.hi));
  if (s.dropout.lo < 0 || s.dropout.hi >= 1)
    throw InputError("--dropout-range", fmt::format("dropout is a probability in [0, 1) (got {}..{})", s.dropout.lo, s.dropout.hi));
}

int rung_count(int n, int eta) {
  int rungs = 1;
  for (int m = n; m >= eta; m /= eta) ++rungs;
  return rungs;
}

std::vector<Trial> draw_trials(const SearchSpace& s, int n, uint64_t seed) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 17);  // a stream of its own, not the trainer's
  std::vector<Trial> out;
  for (int i = 0; i < n; ++i) {
    Trial t;
    t.id = i + 1;
    t.lr = round_significant(std::exp(std::log(s.lr.lo) + unit(rng) * (std::log(s.lr.hi) - std::log(s.lr.lo))), 3);
    t.batch_size = s.batch_sizes[rng() % s.batch_sizes.size()];
    const auto lo = static_cast<uint64_t>(s.epochs.lo), hi = static_cast<uint64_t>(s.epochs.hi);
    t.epochs = static_cast<int>(lo + rng() % (hi - lo + 1));
    t.warmup = std::round((s.warmup.lo + unit(rng) * (s.warmup.hi - s.warmup.lo)) * 1000) / 1000;
    t.dropout = std::round((s.dropout.lo + unit(rng) * (s.dropout.hi - s.dropout.lo)) * 1000) / 1000;
    out.push_back(t);
  }
  return out;
}

void validate(const TuneSettings& c) {
  if (c.out_dir.empty()) throw UsageError("--out is required");
  if (c.trials < 1) throw UsageError("--trials must be at least 1");
  if (c.eta < 2) throw UsageError("--eta must be at least 2");
  validate(c.space);
}

TuneResult run_tune(const TuneSettings& c, const TextData& train, const TextData& dev, const StartingPoint& start_point) {
  validate(c);

  TuneResult res;
  res.metric = c.base.metric.empty() ? default_metric(c.base.task) : c.base.metric;
  res.lower_is_better = lower_is_better(res.metric);
  res.rungs = rung_count(c.trials, c.eta);
  const bool lower = res.lower_is_better;

  // Training examples: one per sentence or record (training truncates, it does not cut
  // windows), which with the batch size gives every trial's number of steps.
  const size_t examples = train.size();
  if (examples == 0) throw InputError(train.origin, "the training set is empty");
  std::vector<Trial> trials = draw_trials(c.space, c.trials, c.base.train.seed);
  for (auto& t : trials) t.total_steps = total_steps(examples, t.batch_size, c.base.train.accumulation, t.epochs);

  const fs::path out = c.out_dir, trials_dir = out / "trials";
  fs::remove_all(trials_dir);  // a previous search's leftovers
  fs::create_directories(trials_dir);
  auto trial_dir = [&](const Trial& t) { return trials_dir / fmt::format("trial-{:03}", t.id); };

  const auto start = Clock::now();
  const bool limited = c.budget_s > 0;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.budget_s));
  auto time_is_up = [&] { return limited && Clock::now() >= deadline; };

  spdlog::info("tune: {} trials, {} rungs (eta {}), metric {} on {}{}", c.trials, res.rungs, c.eta, res.metric,
               dev.origin, limited ? fmt::format(", budget {:.0f} s", c.budget_s) : std::string());

  // Every trial trains with the same vocabulary (the one `text train` builds from the same
  // data), so it is built once rather than once per trial and rung.
  StartingPoint shared = start_point;
  if (!shared.vocab && !shared.init) shared.vocab = build_training_vocab(train, c.base.vocab_size, c.base.uncased);

  std::vector<size_t> active(trials.size());
  for (size_t i = 0; i < active.size(); ++i) active[i] = i;
  for (int rung = 0; rung < res.rungs && !res.budget_hit; ++rung) {
    // This rung's share of each trial's schedule: eta^-(rungs-1-rung), the last rung all of it.
    const double share = std::pow(static_cast<double>(c.eta), rung - (res.rungs - 1));
    for (size_t idx : active) {
      Trial& t = trials[idx];
      if (time_is_up()) {
        res.budget_hit = true;
        break;
      }
      // Rungs end at epoch ends: the model is then evaluated where `text train` evaluates it too,
      // so the printed command reproduces the trial's best/ exactly.
      const int64_t per_epoch = std::max<int64_t>(1, t.total_steps / std::max(1, t.epochs));
      const int64_t target =
          rung == res.rungs - 1
              ? t.total_steps
              : std::min(t.total_steps,
                         per_epoch * static_cast<int64_t>(std::ceil(share * static_cast<double>(t.epochs))));
      const fs::path dir = trial_dir(t);
      if (target <= t.steps) {  // a short schedule already trained this far: nothing new to learn
        t.rung = rung + 1;
        continue;
      }
      TrainSettings tc = c.base;
      tc.train.out_dir = dir.string();
      tc.dropout = t.dropout;
      tc.train.lr = t.lr;
      tc.train.warmup_ratio = t.warmup;
      tc.train.epochs = t.epochs;
      tc.train.batches.batch_size = t.batch_size;
      tc.train.patience = 0;  // halving decides who stops
      tc.train.eval_every = 0;
      tc.train.resume = t.steps > 0;
      // Pause at the rung's end (resume later continues the same schedule exactly); the full
      // schedule runs to its end so that its last epoch is evaluated as `text train` does.
      tc.train.stop_after = target < t.total_steps ? target : 0;
      tc.train.on_step = [&](int64_t, int64_t) {
        if (time_is_up()) throw BudgetSpent{};
      };
      const auto t0 = Clock::now();
      try {
        QuietTrial quiet;
        train_text_model(train, &dev, tc, shared);
      } catch (const BudgetSpent&) {
        res.budget_hit = true;
      }
      const fs::path last = dir / "last", state_path = last / "trainer_state.json";
      // The trainer's own best so far (epoch-end evaluations), from its saved state.
      auto state_best = [&](nlohmann::json& state) {
        if (!fs::exists(state_path)) return kNone;
        try {
          state = nlohmann::json::parse(read_file(state_path.string()));
          return state.at("best").is_null() ? kNone : state.at("best").get<double>();
        } catch (const nlohmann::json::exception& e) {
          throw InternalError(fmt::format("{}: unreadable trainer state: {}", state_path.string(), e.what()));
        }
      };
      nlohmann::json state;
      double best = state_best(state);
      if (res.budget_hit) {
        // The rung did not finish. An epoch-end evaluation during it may still have improved
        // best/, and the metric shown must describe the model kept there.
        if (t.rung > 0 && !std::isnan(best) && better(best, t.metric, lower)) t.metric = best;
        t.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        break;
      }
      if (tc.train.stop_after > 0) {
        // Paused mid-schedule: evaluate the model where it stopped. When it beats the trainer's
        // best, it becomes the trial's best/ and the trainer's state learns of it, so that the
        // rest of the schedule only replaces best/ with something better still.
        Model m = Model::load(last.string());
        auto tok = load_tokenizer(last.string(), m.config());
        auto r = evaluate(m, tok, dev, c.base.max_length, c.base.stride, c.base.eval_batch);
        const double v = metric_value(r.metrics, res.metric);
        if (std::isnan(best) || better(v, best, lower)) {
          copy_model(last, dir / "best");
          state["best"] = v;
          state["best_step"] = target;
          state["bad_evals"] = 0;
          write_file_atomic(state_path.string(), state.dump(1));
          best = v;
        }
      }
      if (std::isnan(best)) throw InternalError(fmt::format("{}: trial {} finished a rung without an evaluation", dir.string(), t.id));
      t.steps = target;
      t.rung = rung + 1;
      t.metric = best;
      t.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      spdlog::info("rung {}/{} trial {:>3}: lr {:.3g} batch {} epochs {} warmup {:.3f} dropout {:.3f}: {}/{} steps, {} {:.4f} "
                   "({:.1f} s)",
                   rung + 1, res.rungs, t.id, t.lr, t.batch_size, t.epochs, t.warmup, t.dropout, t.steps, t.total_steps,
                   res.metric, t.metric, t.seconds);
    }
    if (res.budget_hit || rung == res.rungs - 1) break;
    // The best 1/eta go on (ties: the earlier trial); the others' folders go to save disk.
    std::stable_sort(active.begin(), active.end(), [&](size_t a, size_t b) { return better(trials[a].metric, trials[b].metric, lower); });
    const size_t keep = std::max<size_t>(1, active.size() / static_cast<size_t>(c.eta));
    for (size_t k = keep; k < active.size(); ++k) fs::remove_all(trial_dir(trials[active[k]]));
    active.resize(keep);
    std::sort(active.begin(), active.end());
    spdlog::info("rung {}/{} done: {} trial(s) go on to rung {}", rung + 1, res.rungs, keep, rung + 2);
  }
  if (res.budget_hit) spdlog::warn("tune: the time budget ({:.0f} s) is spent; reporting what finished", c.budget_s);

  // Best first: the metric, then the rung reached, then the draw order.
  std::stable_sort(trials.begin(), trials.end(), [&](const Trial& a, const Trial& b) {
    if ((a.rung > 0) != (b.rung > 0)) return a.rung > 0;
    if (a.rung > 0 && a.metric != b.metric) return better(a.metric, b.metric, lower);
    if (a.rung != b.rung) return a.rung > b.rung;
    return a.id < b.id;
  });
  res.trials = trials;

  // The best trial's model folder becomes OUT/best; the rest is deleted.
  const fs::path best_dir = out / "best";
  if (!trials.empty() && trials.front().rung > 0 && fs::exists(trial_dir(trials.front()) / "best")) {
    fs::remove_all(best_dir);
    fs::rename(trial_dir(trials.front()) / "best", best_dir);
    res.reproduce = reproduce_command(c.base, c.files, trials.front(), (out / "retrain").string());
  }
  fs::remove_all(trials_dir);

  nlohmann::ordered_json j;
  j["metric"] = res.metric;
  j["lower_is_better"] = res.lower_is_better;
  j["trials_drawn"] = c.trials;
  j["eta"] = c.eta;
  j["rungs"] = res.rungs;
  j["seed"] = c.base.train.seed;
  j["budget_s"] = c.budget_s;
  j["budget_hit"] = res.budget_hit;
  j["seconds"] = std::round(std::chrono::duration<double>(Clock::now() - start).count() * 100) / 100;
  j["best_model"] = res.reproduce.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(best_dir.string());
  j["reproduce"] = res.reproduce;
  j["trials"] = nlohmann::ordered_json::array();
  std::string csv = "trial,lr,batch_size,epochs,warmup,dropout,rung,steps,total_steps," + res.metric + ",seconds\n";
  for (auto& t : res.trials) {
    j["trials"].push_back(trial_json(t));
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{:.2f}\n", t.id, t.lr, t.batch_size, t.epochs, t.warmup, t.dropout, t.rung,
                       t.steps, t.total_steps, t.rung > 0 ? fmt::format("{}", t.metric) : std::string(), t.seconds);
  }
  write_file_atomic((out / "tune.json").string(), j.dump(2) + "\n");
  write_file_atomic((out / "tune.csv").string(), csv);
  return res;
}

}  // namespace xinzhi::text
