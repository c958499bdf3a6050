// The plant's failure model on a small synthetic warehouse whose machines wear out in view of
// their vibration sensor: the features are causal (changing later readings moves no earlier
// feature), the targets come from the maintenance log only (no fault records: no model), the
// model folder round-trips, and bad input is refused with one clear message each (an infinite
// reading arrives as missing: the warehouse stores non-finite values as NULL).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "core/error.hpp"
#include "learn/plant/failure_labels.hpp"
#include "learn/plant/failure_model.hpp"
#include "learn/plant/machine_features.hpp"
#include "store/clean_tables.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::learn;
using namespace xinzhi::testing;

namespace {

constexpr std::int64_t kHour = 3'600'000, kT0 = 1'767'571'200'000;  // 2026-01-05

// Machines M1..M3 running in cycles of `cycle_h` hours that end in a breakdown; vibration rises
// over the last third of each cycle. Readings every 10 minutes for `days` days; fault and
// repair records in the maintenance log. bump: added to vibration at and after bump_from.
void build(store::Warehouse& wh, int days, bool with_log = true, double bump = 0, std::int64_t bump_from = 0) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 0.2);
  const std::string machines[] = {"M1", "M2", "M3"};
  const std::string speed = "speed", vib = "vibration";
  std::vector<store::TextRecord> log;
  {
    store::CleanTablesWriter w(wh.db());
    for (int m = 0; m < 3; ++m) {
      const double cycle_h = 70 + 15 * m;
      for (std::int64_t t = kT0; t < kT0 + days * 24 * kHour; t += 600'000) {
        const double h = static_cast<double>(t - kT0) / kHour + 13 * m;
        const double phase = std::fmod(h, cycle_h) / cycle_h;  // 0 new .. 1 breaks
        const bool down = phase > 0.95;
        double v = down ? 0.05 : 2 + (phase > 0.6 ? 10 * (phase - 0.6) : 0) + noise(rng);
        if (bump != 0 && t >= bump_from) v += bump;
        w.add(store::AlignedRow{machines[m], vib, t, v, 1});
        w.add(store::AlignedRow{machines[m], speed, t, down ? 0.0 : 1500.0, 1});
      }
      for (double start = cycle_h * 0.95 - 13 * m; start < days * 24; start += cycle_h) {
        if (start < 0) continue;
        const auto ts = kT0 + static_cast<std::int64_t>(start * kHour);
        log.push_back({"F" + std::to_string(log.size()), "en", "train", "Machine stopped.", "bearing_wear", "[]",
                       machines[m], "fault", ts});
        log.push_back({"R" + std::to_string(log.size()), "en", "train", "Bearing replaced.", "bearing_wear", "[]",
                       machines[m], "repair", ts + static_cast<std::int64_t>(0.05 * cycle_h * kHour)});
      }
    }
    w.commit();
  }
  if (with_log) wh.put_text_records(log);
}

FailureModelOptions small_options() {
  FailureModelOptions o;
  o.features.windows_ms = {kHour, 6 * kHour, 24 * kHour};
  o.horizon_h = 12;
  o.cap_h = 48;
  o.params.rounds = 60;
  o.params.threads = 1;
  return o;
}

}  // namespace

TEST(MachineFeatures, AreCausal) {
  TempDir dir;
  store::Warehouse a(dir / "a.db"), b(dir / "b.db");
  const std::int64_t cut = kT0 + 100 * kHour + 5 * 60'000;  // between two ticks of the hour
  build(a, 8);
  build(b, 8, true, 25.0, cut);  // the same, with every vibration reading after `cut` moved
  const MachineFeatureSpec spec;
  const auto fa = machine_features(a.db(), spec, read_machine_events(a.db()));
  const auto fb = machine_features(b.db(), spec, read_machine_events(b.db()));
  ASSERT_EQ(fa.rows.size(), fb.rows.size());
  ASSERT_GT(fa.rows.size(), 400u);
  std::size_t before = 0, moved_after = 0;
  for (std::size_t i = 0; i < fa.rows.size(); ++i) {
    ASSERT_EQ(fa.rows[i].t, fb.rows[i].t);
    const bool same = std::equal(fa.rows[i].values.begin(), fa.rows[i].values.end(), fb.rows[i].values.begin(),
                                 [](float x, float y) { return x == y || (std::isnan(x) && std::isnan(y)); });
    if (fa.rows[i].t <= cut) {
      EXPECT_TRUE(same) << fa.rows[i].machine << " at " << fa.rows[i].t;
      ++before;
    } else if (!same) {
      ++moved_after;
    }
  }
  EXPECT_GT(before, 200u);
  EXPECT_GT(moved_after, 200u);  // the change is seen, just not before it happened
}

TEST(MachineFeatures, NamesComeFromTheWarehouseSensorsAndItsLogsOnly) {
  TempDir dir;
  store::Warehouse wh(dir / "w.db");
  build(wh, 3);
  const auto f = machine_features(wh.db(), MachineFeatureSpec{}, read_machine_events(wh.db()));
  EXPECT_EQ(f.sensors, (std::vector<std::string>{"speed", "vibration"}));
  for (const auto& name : f.names) {
    const bool from_sensor = name.rfind("speed_", 0) == 0 || name.rfind("vibration_", 0) == 0;
    const bool from_log = name.rfind("running_share_", 0) == 0 || name == "hours_since_service" || name == "alarms_24h";
    EXPECT_TRUE(from_sensor || from_log) << name;
    for (const char* truth : {"wear", "mode", "latent", "component", "truth", "failure"})
      EXPECT_EQ(name.find(truth), std::string::npos) << name;
  }
}

TEST(FailureLabels, FromTheMaintenanceLog) {
  const std::vector<store::Breakdown> log = {{"M1", 10 * kHour, 12 * kHour, "x"}, {"M1", 40 * kHour, std::nullopt, "y"}};
  const FailureLabeler l(log, 100 * kHour, 12, 48);
  EXPECT_TRUE(l.at("M1", 0).usable);
  EXPECT_TRUE(l.at("M1", 0).fails_within);
  EXPECT_DOUBLE_EQ(l.at("M1", 0).hours_to_failure, 10);
  EXPECT_FALSE(l.at("M1", 11 * kHour).usable);  // down
  EXPECT_FALSE(l.at("M1", 12 * kHour).fails_within);  // repaired; next in 28 h
  EXPECT_DOUBLE_EQ(l.at("M1", 12 * kHour).hours_to_failure, 28);
  EXPECT_FALSE(l.at("M1", 50 * kHour).usable);  // still down: no repair logged
  EXPECT_TRUE(l.at("M2", 0).usable);            // no breakdown in the next 100 h
  EXPECT_FALSE(l.at("M2", 0).fails_within);
  EXPECT_FALSE(l.at("M2", 60 * kHour).usable);  // the log ends before the cap
}

TEST(FailureModel, LearnsTheWearPredictsAndRoundTrips) {
  TempDir dir;
  store::Warehouse wh(dir / "w.db");
  build(wh, 30);
  FailureModel m = train_failure_model(wh.db(), small_options(), "test-model");
  EXPECT_GT(m.test.positives, 10u);
  EXPECT_GT(m.test.average_precision, 0.8);
  EXPECT_GT(m.test.f1, 0.6);
  EXPECT_LT(m.trained_to, kT0 + 30 * 24 * kHour);
  // Calibrated on validation: its mean probability is the share that fails there (the weighed
  // classifier alone says far more), and the Brier score beats the base rate's.
  const double rate = static_cast<double>(m.validation.positives) / static_cast<double>(m.validation.rows);
  EXPECT_NEAR(m.validation.mean_probability, rate, 0.02);
  EXPECT_LT(m.validation.brier, rate * (1 - rate));
  m.save(dir / "model");
  for (const char* f : {"model.json", "README.md", "failure_within.json", "time_to_failure.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("model/" + std::string(f)))) << f;
  const FailureModel back = FailureModel::load(dir / "model");
  const std::int64_t at = kT0 + 20 * 24 * kHour;
  const auto p1 = predict_failures(m, wh.db(), at), p2 = predict_failures(back, wh.db(), at);
  ASSERT_EQ(p1.size(), 12u);  // 3 machines x (probability, hours, hours' 80% interval)
  for (std::size_t i = 0; i + 3 < p1.size(); i += 4) {
    EXPECT_EQ(p1[i].target, "failure_within");
    EXPECT_EQ(p1[i + 2].target, "time_to_failure_h_p10");
    EXPECT_LE(p1[i + 2].value, p1[i + 3].value);  // p10 <= p90
  }
  for (std::size_t i = 0; i < p1.size(); ++i) {
    EXPECT_EQ(p1[i].machine, p2[i].machine);
    EXPECT_FLOAT_EQ(static_cast<float>(p1[i].value), static_cast<float>(p2[i].value));
    EXPECT_EQ(p1[i].model, "test-model");
    EXPECT_EQ(p1[i].trained_from, m.trained_from);
  }
  // Measured again on the whole warehouse: more rows than its test part, the same outcome labels,
  // and better than chance (the test part's failing share) at finding failures.
  const SplitMetrics whole = evaluate_failure_model(back, wh.db());
  EXPECT_GT(whole.rows, m.test.rows);
  EXPECT_GT(whole.positives, m.test.positives);
  EXPECT_GT(whole.average_precision, static_cast<double>(whole.positives) / static_cast<double>(whole.rows));
  const SplitMetrics late = evaluate_failure_model(back, wh.db(), m.trained_to + 48 * kHour, 0);
  EXPECT_LT(late.rows, whole.rows);
  // A window at `at` for each machine at or over the threshold, none for the others.
  std::size_t at_risk = 0;
  for (const auto& p : p1) at_risk += p.target == "failure_within" && p.value >= m.threshold;
  const auto windows = preventive_windows(m, p1, at, 4);
  EXPECT_EQ(windows.size(), at_risk);
  for (const auto& w : windows) {
    EXPECT_EQ(w.kind, "predicted");
    EXPECT_EQ(w.start, at);
    EXPECT_EQ(*w.end - w.start, 4 * kHour);
  }
  EXPECT_EQ(preventive_windows(m, p1, at, 4, 0.0).size(), 3u);  // threshold 0: every machine
  EXPECT_TRUE(preventive_windows(m, p1, at, 4, 1.01).empty());
}

TEST(FailureModel, BadInputIsRefusedWithOneMessage) {
  TempDir dir;
  auto expect_input = [](const auto& fn, const std::string& words) {
    try {
      fn();
      ADD_FAILURE() << "accepted; expected: " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  store::Warehouse empty(dir / "empty.db");
  expect_input([&] { train_failure_model(empty.db(), small_options(), "m"); }, "no cleaned readings");
  store::Warehouse short_data(dir / "short.db");
  build(short_data, 1);
  expect_input([&] { train_failure_model(short_data.db(), small_options(), "m"); }, "too short for a 12 h horizon");
  store::Warehouse no_log(dir / "nolog.db");
  build(no_log, 20, false);  // readings, but the maintenance log has no breakdowns
  expect_input([&] { train_failure_model(no_log.db(), small_options(), "m"); }, "one class only");

  store::Warehouse wh(dir / "w.db");
  build(wh, 30);
  const FailureModel m = train_failure_model(wh.db(), small_options(), "m");
  m.save(dir / "model");
  // A warehouse without the model's sensors: features do not match.
  store::Warehouse other(dir / "other.db");
  {
    store::CleanTablesWriter w(other.db());
    w.add(store::AlignedRow{"M1", "temperature", kT0, 20.0, 1});
    w.commit();
  }
  expect_input([&] { predict_failures(m, other.db(), kT0); }, "features do not match the data");
  // An infinite reading cannot reach the features: the warehouse stores it as missing (NULL),
  // which the model treats as missing.
  store::Warehouse inf(dir / "inf.db");
  {
    store::CleanTablesWriter w(inf.db());
    w.add(store::AlignedRow{"M1", "speed", kT0, 1500.0, 1});
    w.add(store::AlignedRow{"M1", "vibration", kT0, INFINITY, 1});
    w.commit();
  }
  const auto p = predict_failures(m, inf.db(), kT0);
  ASSERT_EQ(p.size(), 4u);  // probability, hours and their interval
  for (const auto& v : p) EXPECT_TRUE(std::isfinite(v.value)) << v.target;
  // A truncated model file; a folder that is not a model.
  const std::string cls = dir / "model/failure_within.json";
  const std::string text = read_text(cls);
  write_text(cls, text.substr(0, text.size() / 3));
  expect_input([&] { FailureModel::load(dir / "model"); }, "truncated");
  expect_input([&] { FailureModel::load(dir.path().string()); }, "not a failure model folder");
}
