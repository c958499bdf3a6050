// Failure classification on UCI AI4I 2020: "machine failure" and each failure mode one-vs-rest
// (TWF, HDF, PWF, OSF, RNF), XGBoost on the inputs and their physics (ai4i_data.hpp), over a
// fixed, seeded 5-fold split stratified on machine failure. For test fold k the model trains on
// three folds and uses fold (k+1) mod 5 as its inner validation: early stopping there, and the
// decision threshold is the one with the best F1 there (halfway between the lowest score it
// keeps and the next lower score there); the test fold is only scored. Prints
// precision, recall, F1 and PR-AUC (average precision) per fold and their mean, per target.
// `--write-folds` writes the fold of every row for the Python peer (ai4i_xgb.py), so that both
// use the very same folds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ai4i_data.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/stopwatch.hpp"
#include "learn/boost/booster.hpp"
#include "learn/evaluate/folds.hpp"
#include "learn/evaluate/metrics.hpp"

using namespace xinzhi;
using namespace xinzhi::learn;
using namespace xinzhi::bench;

namespace {

struct Options {
  std::string csv;
  int folds = 5;
  std::uint64_t seed = 42;
  int threads = 2;
  std::string write_folds;
  bool modes = true;
  double scale_pos_weight = 1;  // 0: negatives / positives of the training folds
};

BoostParams params(const Options& o, double spw, std::uint64_t seed) {
  BoostParams p;
  p.objective = "binary:logistic";
  p.eval_metric = "logloss";
  p.max_depth = 6;
  p.eta = 0.05;
  p.subsample = 0.8;
  p.colsample_bytree = 0.8;
  p.min_child_weight = 1;
  p.rounds = 2000;
  p.early_stopping_rounds = 100;
  p.scale_pos_weight = spw;
  p.threads = o.threads;
  p.seed = seed;
  return p;
}

// The threshold with the best F1 on the inner fold, halfway down from the lowest score it keeps
// (what learn::best_f1_threshold returns) to the next lower score there: the same F1 on the inner
// fold, but a test score just under the inner fold's lowest kept one is not lost. With the rule
// flags the failures of the three rule modes score about 0.95-0.99, and the threshold at the
// lowest of them on the inner fold missed 10 of them over the 5 test folds (fold-mean F1 0.898
// instead of 0.916, Python prototype of the same protocol).
double inner_threshold(const std::vector<double>& score, const std::vector<int>& truth) {
  const double t = best_f1_threshold(score, truth);
  double below = -std::numeric_limits<double>::infinity();
  for (double s : score)
    if (s < t) below = std::max(below, s);
  return std::isfinite(below) ? (t + below) / 2 : t;
}

struct FoldResult {
  double precision, recall, f1, ap;
};

std::vector<FoldResult> evaluate(const Options& o, const Dataset& all, const std::vector<int>& folds, const char* name) {
  std::vector<FoldResult> out;
  for (int k = 0; k < o.folds; ++k) {
    const int inner = (k + 1) % o.folds;
    Dataset train = all.pick(rows_not_in_folds(folds, {k, inner}));
    const Dataset valid = all.pick(rows_in_fold(folds, inner));
    const Dataset test = all.pick(rows_in_fold(folds, k));
    double pos = 0;
    for (float y : train.y) pos += y;
    const double spw = o.scale_pos_weight > 0 ? o.scale_pos_weight
                                              : (static_cast<double>(train.rows()) - pos) / std::max(1.0, pos);
    const Booster b = Booster::train(train, &valid, params(o, spw, static_cast<std::uint64_t>(k)));
    auto scores = [&](const Dataset& d) {
      const auto p = b.predict(d);
      return std::vector<double>(p.begin(), p.end());
    };
    auto labels = [](const Dataset& d) {
      std::vector<int> l;
      for (float y : d.y) l.push_back(y > 0.5f ? 1 : 0);
      return l;
    };
    const double threshold = inner_threshold(scores(valid), labels(valid));
    const auto ts = scores(test);
    const auto tl = labels(test);
    const BinaryCounts c = binary_counts(ts, tl, threshold);
    out.push_back({c.precision(), c.recall(), c.f1(), average_precision(ts, tl)});
    std::printf("ours %-15s fold %d: F1 %.4f  precision %.4f  recall %.4f  PR-AUC %.4f  threshold %.3f\n", name, k,
                out.back().f1, out.back().precision, out.back().recall, out.back().ap, threshold);
  }
  return out;
}

int run(const Options& o) {
  const SteadyTime t0 = std::chrono::steady_clock::now();
  const auto rows = read_ai4i(o.csv);
  std::vector<int> failure;
  for (const auto& r : rows) failure.push_back(r.machine_failure);
  const auto folds = stratified_folds(failure, o.folds, o.seed);
  if (!o.write_folds.empty()) {
    std::string text = "row,fold\n";
    for (std::size_t i = 0; i < folds.size(); ++i) text += fmt::format("{},{}\n", i, folds[i]);
    write_file_atomic(o.write_folds, text);
  }
  Dataset base;
  base.features = ai4i_feature_names();
  for (const auto& r : rows) base.add(ai4i_features(r), 0.f);

  std::vector<std::pair<std::string, std::vector<float>>> targets = {{"machine_failure", {}}};
  if (o.modes)
    for (std::size_t m = 0; m < kAi4iModes.size(); ++m) targets.emplace_back(kAi4iModes[m], std::vector<float>{});
  for (auto& [name, y] : targets)
    for (const auto& r : rows) {
      if (name == "machine_failure") y.push_back(static_cast<float>(r.machine_failure));
      else
        for (std::size_t m = 0; m < kAi4iModes.size(); ++m)
          if (name == kAi4iModes[m]) y.push_back(static_cast<float>(r.mode[m]));
    }
  for (const auto& [name, y] : targets) {
    Dataset d = base;
    d.y = y;
    const auto res = evaluate(o, d, folds, name.c_str());
    std::vector<double> f1, p, r, ap;
    for (const auto& f : res) {
      f1.push_back(f.f1);
      p.push_back(f.precision);
      r.push_back(f.recall);
      ap.push_back(f.ap);
    }
    std::printf("ours %-15s mean over %d folds: F1 %.4f (sd %.4f)  precision %.4f  recall %.4f  PR-AUC %.4f\n",
                name.c_str(), o.folds, mean_std(f1).mean, mean_std(f1).stddev, mean_std(p).mean, mean_std(r).mean,
                mean_std(ap).mean);
    std::fflush(stdout);
  }
  std::printf("ours xinzhi ai4i: %zu rows, %zu features, %zu targets x %d folds, %d threads: %.2f s\n", rows.size(),
              base.cols(), targets.size(), o.folds, o.threads, seconds_since(t0));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Failure classification on UCI AI4I 2020 (machine failure and each failure mode, one-vs-rest): XGBoost over "
      "a seeded stratified k-fold split; threshold and early stopping on an inner validation fold; prints "
      "precision, recall, F1 and PR-AUC per fold and their mean"};
  app.add_option("csv", o.csv, "ai4i2020.csv as published by UCI")->required();
  app.add_option("--folds", o.folds, "number of folds")->capture_default_str()->check(CLI::Range(3, 20));
  app.add_option("--seed", o.seed, "seed of the fold assignment")->capture_default_str();
  app.add_option("--threads", o.threads, "XGBoost threads")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--write-folds", o.write_folds, "write row,fold (0-based row of the data) to this CSV");
  app.add_option("--scale-pos-weight", o.scale_pos_weight, "XGBoost scale_pos_weight; 0: negatives/positives")
      ->capture_default_str();
  bool failure_only = false;
  app.add_flag("--failure-only", failure_only, "machine failure only, not the failure modes");
  CLI11_PARSE(app, argc, argv);
  o.modes = !failure_only;
  try {
    return run(o);
  } catch (const Error& e) {
    std::fprintf(stderr, "ai4i_bench: %s\n", e.what());
    return exit_code(e.kind());
  }
}
