#include "learn/boost/booster.hpp"

#include <xgboost/c_api.h>

#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace xinzhi::learn {

namespace {

std::string last_error() {
  std::string e = XGBGetLastError();
  // XGBoost's messages start with a source location and may run over several lines.
  const auto nl = e.find('\n');
  if (nl != std::string::npos) e.resize(nl);
  return e;
}

void check(int rc, const char* what) {
  if (rc != 0) throw InternalError(fmt::format("XGBoost {} failed: {}", what, last_error()));
}

// A DMatrix for the dataset's features, labels and weights, freed on scope exit.
class Matrix {
 public:
  explicit Matrix(const Dataset& d) {
    if (d.rows() == 0) throw InputError("", "no rows to learn from or to predict for");
    check(XGDMatrixCreateFromMat(d.x.data(), d.rows(), d.cols(), std::numeric_limits<float>::quiet_NaN(), &h_),
          "DMatrix");
    check(XGDMatrixSetFloatInfo(h_, "label", d.y.data(), d.rows()), "labels");
    if (!d.weight.empty()) check(XGDMatrixSetFloatInfo(h_, "weight", d.weight.data(), d.rows()), "weights");
  }
  ~Matrix() { XGDMatrixFree(h_); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  DMatrixHandle get() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

void set(BoosterHandle h, const char* name, const std::string& value) {
  check(XGBoosterSetParam(h, name, value.c_str()), name);
}

// "[3]\ttrain-rmse:1.5\tvalid-rmse:2.25" -> the value of the named set's metric.
double metric_value(const std::string& eval, const std::string& set_name, std::string* metric) {
  const auto at = eval.find("\t" + set_name + "-");
  if (at == std::string::npos) throw InternalError("XGBoost evaluation without " + set_name + ": " + eval);
  const auto colon = eval.find(':', at);
  const auto end = eval.find('\t', colon);
  if (metric) *metric = eval.substr(at + set_name.size() + 2, colon - at - set_name.size() - 2);
  return std::stod(eval.substr(colon + 1, end == std::string::npos ? std::string::npos : end - colon - 1));
}

bool higher_is_better(const std::string& metric) {
  return metric.rfind("auc", 0) == 0 || metric.rfind("aucpr", 0) == 0 || metric.rfind("map", 0) == 0 ||
         metric.rfind("ndcg", 0) == 0 || metric.rfind("pre", 0) == 0;
}

}  // namespace

Booster::Booster() = default;
Booster::~Booster() {
  if (handle_) XGBoosterFree(handle_);
}
Booster::Booster(Booster&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
Booster& Booster::operator=(Booster&& o) noexcept {
  if (this != &o) {
    if (handle_) XGBoosterFree(handle_);
    handle_ = std::exchange(o.handle_, nullptr);
  }
  return *this;
}

Booster Booster::train(const Dataset& train, const Dataset* valid, const BoostParams& p, TrainLog* log,
                       const std::function<void(int, int)>& on_round) {
  for (float v : train.y)
    if (!std::isfinite(v)) throw InputError("", "a training label is NaN or infinite");
  const Matrix dtrain(train);
  const bool early = valid && valid->rows() > 0 && p.early_stopping_rounds > 0;
  std::unique_ptr<Matrix> dvalid;
  if (valid && valid->rows() > 0) {
    if (valid->cols() != train.cols()) throw InternalError("validation set has other features than training");
    dvalid = std::make_unique<Matrix>(*valid);
  }
  Booster b;
  DMatrixHandle cache[2] = {dtrain.get(), dvalid ? dvalid->get() : nullptr};
  check(XGBoosterCreate(cache, dvalid ? 2 : 1, &b.handle_), "booster");
  BoosterHandle h = b.handle_;
  set(h, "objective", p.objective);
  if (!p.eval_metric.empty()) set(h, "eval_metric", p.eval_metric);
  if (p.num_class > 0) set(h, "num_class", std::to_string(p.num_class));
  set(h, "tree_method", "hist");
  set(h, "max_depth", std::to_string(p.max_depth));
  set(h, "eta", fmt::format("{}", p.eta));
  set(h, "subsample", fmt::format("{}", p.subsample));
  set(h, "colsample_bytree", fmt::format("{}", p.colsample_bytree));
  set(h, "min_child_weight", fmt::format("{}", p.min_child_weight));
  set(h, "lambda", fmt::format("{}", p.lambda));
  if (p.scale_pos_weight != 1) set(h, "scale_pos_weight", fmt::format("{}", p.scale_pos_weight));
  set(h, "nthread", std::to_string(std::max(1, p.threads)));
  set(h, "seed", std::to_string(p.seed));
  set(h, "verbosity", "0");

  TrainLog local;
  TrainLog& L = log ? *log : local;
  L = TrainLog{};
  double best = 0;
  bool higher = false;
  for (int round = 0; round < p.rounds; ++round) {
    check(XGBoosterUpdateOneIter(h, round, dtrain.get()), "training round");
    if (on_round) on_round(round + 1, p.rounds);
    if (!dvalid) continue;
    DMatrixHandle sets[2] = {dtrain.get(), dvalid->get()};
    const char* names[2] = {"train", "valid"};
    const char* out = nullptr;
    check(XGBoosterEvalOneIter(h, round, sets, names, 2, &out), "evaluation");
    const std::string eval = out;
    L.train_curve.push_back(metric_value(eval, "train", nullptr));
    const double v = metric_value(eval, "valid", &L.metric);
    L.valid_curve.push_back(v);
    if (round == 0) higher = higher_is_better(L.metric);
    if (L.best_iteration < 0 || (higher ? v > best : v < best)) {
      best = v;
      L.best_iteration = round;
    }
    if (early && round - L.best_iteration >= p.early_stopping_rounds) break;
  }
  L.best_score = best;
  if (L.best_iteration < 0) L.best_iteration = p.rounds - 1;
  // Keep the trees up to the best iteration only, so that the saved model is the one chosen.
  int boosted = 0;
  check(XGBoosterBoostedRounds(h, &boosted), "rounds");
  if (L.best_iteration + 1 < boosted) {
    BoosterHandle sliced = nullptr;
    check(XGBoosterSlice(h, 0, L.best_iteration + 1, 1, &sliced), "slice");
    XGBoosterFree(b.handle_);
    b.handle_ = sliced;
  }
  return b;
}

std::vector<float> Booster::predict(const Dataset& data) const {
  const Matrix m(data);
  bst_ulong const* shape = nullptr;
  bst_ulong dim = 0;
  float const* out = nullptr;
  check(XGBoosterPredictFromDMatrix(handle_, m.get(),
                                    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})",
                                    &shape, &dim, &out),
        "prediction");
  std::size_t n = 1;
  for (bst_ulong k = 0; k < dim; ++k) n *= shape[k];
  return {out, out + n};
}

void Booster::save(const std::string& path) const {
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &len, &buf), "saving the model");
  write_file_atomic(path, std::string_view(buf, len));
}

Booster Booster::load(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw InputError(path, "the model file is empty");
  // XGBoost JSON models are one object with a "learner"; check before handing it over, so that a
  // foreign or truncated file gets our message rather than a parser's.
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception&) {
    throw InputError(path, "not an XGBoost JSON model (truncated or another format)");
  }
  if (!doc.is_object() || !doc.contains("learner") || !doc.contains("version"))
    throw InputError(path, "not an XGBoost model: no \"learner\" and \"version\" at the top");
  Booster b;
  check(XGBoosterCreate(nullptr, 0, &b.handle_), "booster");
  if (XGBoosterLoadModelFromBuffer(b.handle_, bytes.data(), bytes.size()) != 0)
    throw InputError(path, "XGBoost cannot read this model: " + last_error());
  return b;
}

int Booster::num_features() const {
  bst_ulong n = 0;
  check(XGBoosterGetNumFeature(handle_, &n), "feature count");
  return static_cast<int>(n);
}

int Booster::rounds() const {
  int n = 0;
  check(XGBoosterBoostedRounds(handle_, &n), "rounds");
  return n;
}

std::vector<std::pair<std::string, double>> Booster::importance(const std::vector<std::string>& features) const {
  nlohmann::json config = {{"importance_type", "total_gain"}, {"feature_names", features}};
  const std::string c = config.dump();
  bst_ulong n = 0, dim = 0;
  char const** names = nullptr;
  bst_ulong const* shape = nullptr;
  float const* scores = nullptr;
  check(XGBoosterFeatureScore(handle_, c.c_str(), &n, &names, &dim, &shape, &scores), "feature importance");
  std::vector<std::pair<std::string, double>> out;
  for (bst_ulong k = 0; k < n; ++k) out.emplace_back(names[k], scores[k]);
  return out;
}

}  // namespace xinzhi::learn
