// NAB's scoring rules (src/score/nab_score) on small hand-worked files: the value of a detection
// by its place in a window, misses, false positives before and after windows, the probationary
// period, the corpus-wide threshold and the normalisation between null and perfect.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "score/nab_score.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::score;

namespace {

const NabProfile kStandard{"standard", 1.0, 1.0, 0.11};
const NabProfile kLowFn{"reward_low_FN_rate", 1.0, 2.0, 0.11};

// A 100-row file (probationary rows 0..14) with one window, rows 40..49 (width 10), and
// detections (score 1) at the given rows, 0 elsewhere.
NabScorer one_file(const std::vector<std::size_t>& detections, std::vector<NabWindow> windows = {{40, 49}}) {
  std::vector<double> scores(100, 0.0);
  for (auto r : detections) scores[r] = 1.0;
  NabScorer s;
  s.add_file(scores, windows);
  return s;
}

}  // namespace

TEST(NabScore, ScaledSigmoidAndProbationaryPeriod) {
  EXPECT_NEAR(nab_scaled_sigmoid(-1.0), 0.98661, 1e-5);
  EXPECT_NEAR(nab_scaled_sigmoid(-0.5), 0.84828, 1e-5);
  EXPECT_DOUBLE_EQ(nab_scaled_sigmoid(0.0), 0.0);
  EXPECT_DOUBLE_EQ(nab_scaled_sigmoid(3.5), -1.0);
  EXPECT_EQ(nab_probationary_rows(4032), 604u);
  EXPECT_EQ(nab_probationary_rows(15902), 750u);
  EXPECT_EQ(nab_probationary_rows(100), 15u);
}

TEST(NabScore, DetectionAtAWindowsFirstRowEarnsExactlyTpWeight) {
  const auto r = one_file({40}).score_at(kStandard, 0.5);
  EXPECT_DOUBLE_EQ(r.score, 1.0);
  EXPECT_EQ(r.true_positives, 1u);
  EXPECT_EQ(r.false_positives, 0u);
  EXPECT_DOUBLE_EQ(r.normalised, 100.0);
}

TEST(NabScore, LaterDetectionEarnsLessAndOnlyTheEarliestCounts) {
  // Row 45 of 40..49: y = -(49 - 45 + 1) / 10 = -0.5.
  const double at45 = nab_scaled_sigmoid(-0.5) / nab_scaled_sigmoid(-1.0);
  EXPECT_NEAR(one_file({45}).score_at(kStandard, 0.5).score, at45, 1e-12);
  // Row 49, the last: y = -1/10.
  EXPECT_NEAR(one_file({49}).score_at(kStandard, 0.5).score, nab_scaled_sigmoid(-0.1) / nab_scaled_sigmoid(-1.0), 1e-12);
  // More detections in the same window add nothing beyond the earliest.
  EXPECT_DOUBLE_EQ(one_file({40, 41, 45, 49}).score_at(kStandard, 0.5).score, 1.0);
  EXPECT_NEAR(one_file({45, 47}).score_at(kStandard, 0.5).score, at45, 1e-12);
}

TEST(NabScore, MissedWindowCostsFnWeight) {
  EXPECT_DOUBLE_EQ(one_file({}).score_at(kStandard, 0.5).score, -1.0);
  EXPECT_DOUBLE_EQ(one_file({}).score_at(kLowFn, 0.5).score, -2.0);
  EXPECT_EQ(one_file({}).score_at(kStandard, 0.5).false_negatives, 1u);
}

TEST(NabScore, FalsePositivesBeforeAndAfterAWindow) {
  // Before the first window: -fpWeight, whatever the distance.
  EXPECT_NEAR(one_file({20, 40}).score_at(kStandard, 0.5).score, 1.0 - 0.11, 1e-12);
  EXPECT_NEAR(one_file({39, 40}).score_at(kStandard, 0.5).score, 1.0 - 0.11, 1e-12);
  // Right after the window (row 50, one past its last row 49): y = 1 / (10 - 1), a small cost.
  const double after = nab_scaled_sigmoid(1.0 / 9.0) * 0.11;
  EXPECT_LT(after, 0.0);
  EXPECT_GT(after, -0.11 / 2);
  EXPECT_NEAR(one_file({40, 50}).score_at(kStandard, 0.5).score, 1.0 + after, 1e-12);
  // Far after (y > 3): the full -fpWeight.
  EXPECT_NEAR(one_file({40, 90}).score_at(kStandard, 0.5).score, 1.0 - 0.11, 1e-12);
  EXPECT_EQ(one_file({20, 40, 90}).score_at(kStandard, 0.5).false_positives, 2u);
}

TEST(NabScore, ProbationaryRowsAreIgnored) {
  const auto r = one_file({0, 5, 14}).score_at(kStandard, 0.5);
  EXPECT_DOUBLE_EQ(r.score, -1.0);  // only the missed window
  EXPECT_EQ(r.false_positives, 0u);
  // Row 15 is the first scored one.
  EXPECT_NEAR(one_file({15}).score_at(kStandard, 0.5).score, -1.11, 1e-12);
}

TEST(NabScore, NullDetectorNormalisesToZeroAndPerfectTo100) {
  NabScorer null, perfect;
  const std::vector<NabWindow> a = {{40, 49}}, b = {{30, 39}, {70, 79}};
  std::vector<double> zeros(100, 0.0), pa(100, 0.0), pb(100, 0.0);
  pa[40] = 1;
  pb[30] = pb[70] = 1;
  null.add_file(zeros, a);
  null.add_file(zeros, b);
  perfect.add_file(pa, a);
  perfect.add_file(pb, b);
  for (const auto& p : {kStandard, kLowFn}) {
    EXPECT_EQ(null.windows(), 3u);
    EXPECT_DOUBLE_EQ(null.null_score(p), -3.0 * p.fn_weight);
    EXPECT_DOUBLE_EQ(null.optimise(p).normalised, 0.0) << p.name;
    EXPECT_DOUBLE_EQ(perfect.optimise(p).normalised, 100.0) << p.name;
    EXPECT_DOUBLE_EQ(perfect.optimise(p).score, 3.0);
  }
}

TEST(NabScore, OneThresholdOptimisedForTheWholeCorpus) {
  // File 1: a false positive scored 0.8 before its window, the window's first row 0.7.
  // File 2: its window's row 45 scored 0.6; 0.3 on every other scored row (a flood of FPs).
  std::vector<double> f1(100, 0.0), f2(100, 0.3);
  f1[20] = 0.8;
  f1[40] = 0.7;
  f2[45] = 0.6;
  NabScorer s;
  s.add_file(f1, std::vector<NabWindow>{{40, 49}});
  s.add_file(f2, std::vector<NabWindow>{{40, 49}});
  const double at45 = nab_scaled_sigmoid(-0.5) / nab_scaled_sigmoid(-1.0);
  // 0.8: -0.11 - 1 - 1; 0.7: -0.11 + 1 - 1; 0.6: -0.11 + 1 + at45 (best); 0.3: many FPs.
  const auto r = s.optimise(kStandard);
  EXPECT_DOUBLE_EQ(r.threshold, 0.6);
  EXPECT_NEAR(r.score, -0.11 + 1.0 + at45, 1e-12);
  EXPECT_EQ(r.true_positives, 2u);
  EXPECT_EQ(r.false_positives, 1u);
  EXPECT_NEAR(r.normalised, 100.0 * (r.score + 2.0) / 4.0, 1e-9);
  // With no detection worth its cost the threshold stays above every score.
  NabScorer only_fp;
  only_fp.add_file(std::vector<double>(100, 0.9), std::vector<NabWindow>{});
  EXPECT_DOUBLE_EQ(only_fp.optimise(kStandard).threshold, 1.1);
  EXPECT_DOUBLE_EQ(only_fp.optimise(kStandard).score, 0.0);
}

TEST(NabScore, WindowsAndProfilesFromNabsFiles) {
  xinzhi::testing::TempDir dir;
  xinzhi::testing::write_text(dir / "w.json", R"({"a/x.csv": [["2014-04-01 00:10:00.000000", "2014-04-01 00:20:00.000000"]], "a/y.csv": []})");
  const auto windows = load_nab_windows(dir / "w.json");
  ASSERT_EQ(windows.size(), 2u);
  ASSERT_EQ(windows.at("a/x.csv").size(), 1u);
  std::vector<TimestampMs> ts;
  for (int i = 0; i < 6; ++i) ts.push_back(*parse_iso8601("2014-04-01 00:00:00") + i * 300000);
  const auto rows = locate_nab_windows(ts, windows.at("a/x.csv"), "x.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].first, 2u);
  EXPECT_EQ(rows[0].last, 4u);
  // A window end that is not a row is refused by name.
  ts.erase(ts.begin() + 4);
  EXPECT_THROW(locate_nab_windows(ts, windows.at("a/x.csv"), "x.csv"), Error);

  xinzhi::testing::write_text(dir / "p.json", R"({"standard": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}},
    "reward_low_FP_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22, "tnWeight": 1.0}},
    "reward_low_FN_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11, "tnWeight": 1.0}}})");
  const auto profiles = load_nab_profiles(dir / "p.json");
  ASSERT_EQ(profiles.size(), 3u);
  EXPECT_EQ(profiles[1].name, "reward_low_FP_rate");
  EXPECT_DOUBLE_EQ(profiles[1].fp_weight, 0.22);
  EXPECT_DOUBLE_EQ(profiles[2].fn_weight, 2.0);
  xinzhi::testing::write_text(dir / "bad.json", R"({"standard": {}})");
  try {
    load_nab_profiles(dir / "bad.json");
    FAIL() << "a profiles file without the three profiles was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
  }
}
