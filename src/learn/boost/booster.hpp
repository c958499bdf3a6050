// Gradient-boosted trees through XGBoost's C API (Debian libxgboost-dev 1.7): training with
// early stopping on a validation set, prediction at the best iteration, and model files that
// are written atomically and refused with a clear message when truncated or foreign. The C API
// stays inside booster.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "learn/boost/dataset.hpp"

namespace xinzhi::learn {

struct BoostParams {
  std::string objective = "reg:squarederror";  // binary:logistic, multi:softprob, ...
  std::string eval_metric;                     // "" : the objective's default (rmse, logloss, ...)
  int num_class = 0;                           // for multi:* objectives
  int max_depth = 6;
  double eta = 0.05;                           // learning rate
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double min_child_weight = 1;
  double lambda = 1;                           // L2 regularisation
  double scale_pos_weight = 1;                 // class imbalance: negatives / positives
  int rounds = 1000;                           // at most this many trees
  int early_stopping_rounds = 50;              // stop when validation has not improved for this many
  int threads = 2;
  std::uint64_t seed = 0;
};

struct TrainLog {
  int best_iteration = -1;  // 0-based; the model keeps trees 0..best_iteration
  double best_score = 0;    // validation metric there
  std::string metric;       // its name, e.g. "rmse"
  std::vector<double> train_curve, valid_curve;
};

class Booster {
 public:
  Booster();
  ~Booster();
  Booster(Booster&& other) noexcept;
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;

  // Trains on train, stopping early on valid (when given and not empty). on_round(round, rounds)
  // reports progress. Throws InputError for data XGBoost cannot learn from.
  static Booster train(const Dataset& train, const Dataset* valid, const BoostParams& params,
                       TrainLog* log = nullptr, const std::function<void(int, int)>& on_round = {});
  // One prediction per row (for multi:softprob, num_class per row, row-major).
  std::vector<float> predict(const Dataset& data) const;

  // Saves the model as XGBoost JSON, atomically.
  void save(const std::string& path) const;
  // Loads a model file; a truncated, empty or foreign file is an InputError naming it.
  static Booster load(const std::string& path);

  int num_features() const;
  int rounds() const;
  // Gain-based importance per feature name (features absent from every tree are left out).
  std::vector<std::pair<std::string, double>> importance(const std::vector<std::string>& features) const;

 private:
  void* handle_ = nullptr;  // BoosterHandle
};

}  // namespace xinzhi::learn
