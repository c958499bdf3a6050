// XGBoost through our wrapper: it learns a known function, early stopping keeps the best
// iteration (and the saved model predicts exactly as the one in memory), training is
// repeatable by seed, and bad model files are refused with a message naming them.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "learn/boost/booster.hpp"
#include "learn/evaluate/metrics.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::learn;
using namespace xinzhi::testing;

namespace {

Dataset make(std::size_t n, std::uint64_t seed, bool classify) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Dataset d;
  d.features = {"a", "b", "noise"};
  for (std::size_t i = 0; i < n; ++i) {
    const float a = u(rng), b = u(rng), c = u(rng);
    const float y = classify ? (a * a + b > 0.5f ? 1.f : 0.f) : 3 * a - 2 * b * b;
    const float row[3] = {a, i % 50 == 0 ? NAN : b, c};  // some missing values
    d.add(row, y);
  }
  return d;
}

}  // namespace

TEST(Booster, LearnsARegressionAndStopsEarlyAtTheBestIteration) {
  const Dataset train = make(3000, 1, false), valid = make(800, 2, false), test = make(800, 3, false);
  BoostParams p;
  p.rounds = 2000;
  p.eta = 0.3;
  p.early_stopping_rounds = 20;
  TrainLog log;
  const Booster b = Booster::train(train, &valid, p, &log);
  EXPECT_EQ(log.metric, "rmse");
  EXPECT_LT(log.best_iteration + 1, 2000);  // stopped early
  EXPECT_EQ(b.rounds(), log.best_iteration + 1);
  EXPECT_EQ(static_cast<int>(log.valid_curve.size()), log.best_iteration + 1 + p.early_stopping_rounds);
  const auto pred = b.predict(test);
  std::vector<double> pd(pred.begin(), pred.end()), yt(test.y.begin(), test.y.end());
  EXPECT_LT(rmse(pd, yt), 0.15);  // the target's own spread is about 1.8

  TempDir dir;
  const std::string path = dir / "model.json";
  b.save(path);
  const Booster again = Booster::load(path);
  EXPECT_EQ(again.predict(test), pred);
  EXPECT_EQ(again.num_features(), 3);
  const auto imp = b.importance(train.features);
  ASSERT_FALSE(imp.empty());
  double a_gain = 0, noise_gain = 0;
  for (const auto& [name, gain] : imp) {
    if (name == "a") a_gain = gain;
    if (name == "noise") noise_gain = gain;
  }
  EXPECT_GT(a_gain, 10 * noise_gain);
}

TEST(Booster, ClassifierIsRepeatableBySeed) {
  const Dataset train = make(2000, 4, true), valid = make(500, 5, true);
  BoostParams p;
  p.objective = "binary:logistic";
  p.eval_metric = "aucpr";
  p.rounds = 200;
  p.seed = 11;
  TrainLog l1, l2;
  const auto a = Booster::train(train, &valid, p, &l1).predict(valid);
  const auto b = Booster::train(train, &valid, p, &l2).predict(valid);
  EXPECT_EQ(a, b);
  EXPECT_EQ(l1.metric, "aucpr");
  EXPECT_GT(l1.best_score, 0.9);
  for (float v : a) ASSERT_TRUE(v >= 0 && v <= 1);
}

TEST(Booster, BadModelFilesAreRefusedByName) {
  TempDir dir;
  const Dataset train = make(500, 6, false);
  BoostParams p;
  p.rounds = 10;
  const std::string good = dir / "model.json";
  Booster::train(train, nullptr, p).save(good);
  const std::string text = read_text(good);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {text.substr(0, text.size() / 2), "truncated"},
      {R"({"architectures": ["BertModel"]})", "not an XGBoost model"},
      {"\x89PNG\r\n", "truncated or another format"},
  };
  for (const auto& [content, reason] : cases) {
    const std::string path = dir / "bad.json";
    write_text(path, content);
    try {
      Booster::load(path);
      ADD_FAILURE() << "accepted: " << reason;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input);
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(reason == "truncated" ? "truncated" : reason), std::string::npos) << e.what();
    }
  }
}
