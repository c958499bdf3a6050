// `xinzhi text tune`: the draws, the halving schedule, the table and files it writes, the time
// budget, and bad search-space input (one clear message, exit code 2). Tiny models, tiny data.
#include <algorithm>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "support/test_support.hpp"
#include "text/train/tune.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::expect_input_error;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;
namespace fs = std::filesystem;

namespace {

// Two failure classes told apart by their words (learnable in a few steps), as CSV records.
std::string records(int n, int seed) {
  const char* mech[] = {"bearing noise, replaced bearing", "gearbox vibration high", "belt slipping, tightened belt"};
  const char* elec[] = {"fuse blown, replaced fuse", "motor overcurrent trip", "sensor cable short circuit"};
  std::string out = "text,label\n";
  for (int i = 0; i < n; ++i)
    out += (i + seed) % 2 ? "\"" + std::string(mech[(i + seed) % 3]) + "\",mechanical\n"
                          : "\"" + std::string(elec[(i * 7 + seed) % 3]) + "\",electrical\n";
  return out;
}

struct Data {
  TempDir dir;
  std::string common;
  Data() {
    write_text(dir / "train.csv", records(64, 0));
    write_text(dir / "dev.csv", records(12, 1));
    common = "text tune --task classification --train " + (dir / "train.csv") + " --dev " + (dir / "dev.csv") +
             " --hidden 16 --layers 1 --heads 2 --vocab-size 60 --threads 1";
  }
};

Data& data() {
  static Data d;
  return d;
}

}  // namespace

TEST(TextTune, DrawsAreSeededAndInsideTheSpace) {
  xinzhi::text::SearchSpace s;
  s.lr = {1e-4, 1e-2};
  s.batch_sizes = {4, 8};
  s.epochs = {2, 3};
  s.warmup = {0.0, 0.1};
  s.dropout = {0.05, 0.15};
  auto a = xinzhi::text::draw_trials(s, 40, 7), b = xinzhi::text::draw_trials(s, 40, 7);
  auto c = xinzhi::text::draw_trials(s, 40, 8);
  ASSERT_EQ(a.size(), 40u);
  std::map<size_t, int> batches;
  std::map<int, int> epochs;
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].lr, b[i].lr);
    EXPECT_EQ(a[i].batch_size, b[i].batch_size);
    EXPECT_EQ(a[i].dropout, b[i].dropout);
    differs |= a[i].lr != c[i].lr;
    EXPECT_GE(a[i].lr, 1e-4);
    EXPECT_LE(a[i].lr, 1e-2);
    EXPECT_GE(a[i].warmup, 0.0);
    EXPECT_LE(a[i].warmup, 0.1);
    EXPECT_GE(a[i].dropout, 0.05);
    EXPECT_LE(a[i].dropout, 0.15);
    ++batches[a[i].batch_size], ++epochs[a[i].epochs];
  }
  EXPECT_TRUE(differs) << "another seed should draw other values";
  EXPECT_EQ(batches.size(), 2u);  // both batch sizes drawn, nothing else
  EXPECT_TRUE(batches.count(4) && batches.count(8));
  EXPECT_EQ(epochs.size(), 2u);
  EXPECT_TRUE(epochs.count(2) && epochs.count(3));
  // log-uniform: about as many draws below the geometric middle (1e-3) as above it
  const auto below = std::count_if(a.begin(), a.end(), [](auto& t) { return t.lr < 1e-3; });
  EXPECT_GT(below, 8);
  EXPECT_LT(below, 32);
}

TEST(TextTune, RungsAndRanges) {
  EXPECT_EQ(xinzhi::text::rung_count(1, 3), 1);
  EXPECT_EQ(xinzhi::text::rung_count(8, 3), 2);
  EXPECT_EQ(xinzhi::text::rung_count(9, 3), 3);
  EXPECT_EQ(xinzhi::text::rung_count(8, 2), 4);
  auto r = xinzhi::text::parse_range("--x", "1e-5..1e-3");
  EXPECT_DOUBLE_EQ(r.lo, 1e-5);
  EXPECT_DOUBLE_EQ(r.hi, 1e-3);
  r = xinzhi::text::parse_range("--x", "0.1..0.25");
  EXPECT_DOUBLE_EQ(r.lo, 0.1);
  EXPECT_DOUBLE_EQ(r.hi, 0.25);
  r = xinzhi::text::parse_range("--x", "3");
  EXPECT_EQ(r.lo, 3);
  EXPECT_EQ(r.hi, 3);
  EXPECT_THROW(xinzhi::text::parse_range("--x", "1..a"), xinzhi::Error);
  EXPECT_EQ(xinzhi::text::parse_batch_sizes("--b", "8, 16,32"), (std::vector<size_t>{8, 16, 32}));
  EXPECT_DOUBLE_EQ(xinzhi::text::parse_duration_seconds("--b", "10m"), 600);
  EXPECT_DOUBLE_EQ(xinzhi::text::parse_duration_seconds("--b", "1.5h"), 5400);
  EXPECT_DOUBLE_EQ(xinzhi::text::parse_duration_seconds("--b", "45"), 45);
}

TEST(TextTune, HalvingTableFilesAndBestModel) {
  auto& d = data();
  const std::string out = d.dir / "tune";
  const std::string space = " --trials 9 --eta 3 --epochs-range 8..12 --batch-sizes 4,8 --lr-range 2e-3..3e-2 --seed 5";
  auto r = run_xinzhi(d.common + " -o " + out + space);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(read_text(out + "/tune.json"));
  EXPECT_EQ(j["metric"], "macro_f1");
  EXPECT_EQ(j["rungs"], 3);
  EXPECT_FALSE(j["budget_hit"].get<bool>());
  ASSERT_EQ(j["trials"].size(), 9u);
  // successive halving: 9 trials finish rung 1, 9/3 = 3 go on to rung 2, 3/3 = 1 to rung 3
  std::map<int, int> reached;
  for (auto& t : j["trials"])
    for (int k = 1; k <= t["rung"].get<int>(); ++k) ++reached[k];
  EXPECT_EQ(reached[1], 9);
  EXPECT_EQ(reached[2], 3);
  EXPECT_EQ(reached[3], 1);
  // each rung trains a larger share of the schedule; the last rung trains all of it
  for (auto& t : j["trials"]) {
    const int64_t steps = t["steps"], total = t["total_steps"];
    EXPECT_LE(steps, total);
    if (t["rung"] == 3) {
      EXPECT_EQ(steps, total);
    }
    if (t["rung"] == 1) {  // a ninth of the schedule, rounded up to whole epochs
      const int64_t per_epoch = total / t["epochs"].get<int64_t>();
      EXPECT_LE(steps, per_epoch * ((t["epochs"].get<int64_t>() + 8) / 9));
      EXPECT_LT(steps, total);
    }
  }
  // best first, and the best row's metric is the highest of all
  const double top = j["trials"][0]["metric"];
  for (auto& t : j["trials"]) EXPECT_LE(t["metric"].get<double>(), top);
  EXPECT_GT(top, j["trials"][8]["metric"].get<double>()) << "the search space should hold better and worse settings";
  EXPECT_EQ(j["trials"][0]["rung"], 3);
  // the table printed, and the CSV with a header and one row per trial
  EXPECT_NE(r.output.find("trial"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dropout"), std::string::npos) << r.output;
  const std::string csv = read_text(out + "/tune.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10);
  EXPECT_EQ(csv.rfind("trial,lr,batch_size,epochs,warmup,dropout,rung", 0), 0u) << csv;
  // the best trial's model is kept, the other trials' folders are gone
  for (auto f : {"config.json", "vocab.txt", "model.safetensors", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(out + "/best/" + f)) << f;
  EXPECT_FALSE(fs::exists(out + "/trials"));
  // the command that reproduces the best trial, with its values
  const std::string cmd = j["reproduce"];
  EXPECT_EQ(cmd.rfind("xinzhi text train --task classification", 0), 0u) << cmd;
  EXPECT_NE(r.output.find("reproduce: " + cmd), std::string::npos) << r.output;
  EXPECT_NE(cmd.find(" --batch-size " + std::to_string(j["trials"][0]["batch_size"].get<int>())), std::string::npos) << cmd;
  EXPECT_NE(cmd.find(" --hidden 16"), std::string::npos) << cmd;
  // the best model is usable, and scores on dev what the table says
  auto e = run_xinzhi("text eval " + out + "/best " + (d.dir / "dev.csv") + " -o " + (d.dir / "best-eval.json"));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  auto m = nlohmann::json::parse(read_text(d.dir / "best-eval.json"));
  EXPECT_NEAR(m["macro_f1"].get<double>(), top, 1e-9);

  // the printed command trains the same model again (its best evaluation falls on an epoch end here)
  auto rt = run_xinzhi("-q " + cmd.substr(std::string("xinzhi ").size()));
  ASSERT_EQ(rt.exit_code, 0) << rt.output;
  auto rm = nlohmann::json::parse(read_text(out + "/retrain/metrics.json"));
  EXPECT_NEAR(rm["best"].get<double>(), top, 1e-12);
  EXPECT_TRUE(read_text(out + "/retrain/best/model.safetensors") == read_text(out + "/best/model.safetensors"))
      << "the reproduce command trained other weights than the best trial";

  // same seed, no time limit: the same search
  auto again = run_xinzhi(d.common + " -o " + (d.dir / "tune2") + space);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto j2 = nlohmann::json::parse(read_text(d.dir / "tune2/tune.json"));
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(j["trials"][i]["trial"], j2["trials"][i]["trial"]);
    EXPECT_EQ(j["trials"][i]["metric"], j2["trials"][i]["metric"]);
  }
}

TEST(TextTune, TimeBudgetStopsCleanly) {
  auto& d = data();
  const std::string out = d.dir / "budget";
  // Far more work than a second allows (thousands of epochs); the budget ends it.
  auto r = run_xinzhi(d.common + " -o " + out + " --trials 9 --epochs-range 2000..3000 --batch-sizes 8 --budget 1s");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("time budget"), std::string::npos) << r.output;
  auto j = nlohmann::json::parse(read_text(out + "/tune.json"));
  EXPECT_TRUE(j["budget_hit"].get<bool>());
  EXPECT_EQ(j["trials"].size(), 9u);  // every trial is listed, finished or not
  for (auto& t : j["trials"]) EXPECT_LT(t["rung"].get<int>(), 3);
  EXPECT_FALSE(fs::exists(out + "/trials"));
}

TEST(TextTune, TheReproduceCommandKeepsTheFixedTrainingOptions) {
  auto& d = data();
  const std::string out = d.dir / "fixed";
  auto r = run_xinzhi(d.common + " -o " + out + " --trials 1 --epochs-range 1..1 --batch-sizes 8 --token-dropout 0.1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string cmd = nlohmann::json::parse(read_text(out + "/tune.json"))["reproduce"];
  EXPECT_NE(cmd.find(" --token-dropout 0.1"), std::string::npos) << cmd;
}

TEST(TextTune, BadSearchSpaceIsOneClearMessage) {
  auto& d = data();
  // through the command: exit code 2 and the option named (each run starts libtorch: few of them)
  const std::string c = d.common + " -o " + (d.dir / "bad");
  expect_input_error(c + " --lr-range 1e-3..1e-5", "--lr-range: '1e-3..1e-5': the low end 1e-3 is above the high end 1e-5");
  expect_input_error(c + " --batch-sizes 8,big,32", "--batch-sizes: 'big' is not a batch size");
  expect_input_error(c + " --epochs-range 0..2", "--epochs-range");
  expect_input_error(c + " --budget 10min", "--budget: '10min' is not a duration");
  EXPECT_FALSE(fs::exists(d.dir / "bad/tune.json"));
  // the other checks, on the functions the command calls
  auto input_error = [](auto&& f, const std::string& fragment) {
    try {
      f();
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const xinzhi::Error& e) {
      EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  input_error([] { xinzhi::text::parse_range("--lr-range", "fast"); }, "--lr-range: 'fast' is not a range");
  input_error([] { xinzhi::text::parse_range("--lr-range", "1e-3.."); }, "not a range");
  input_error([] { xinzhi::text::parse_batch_sizes("--batch-sizes", "0"); }, "'0' is not a batch size");
  input_error([] { xinzhi::text::parse_batch_sizes("--batch-sizes", "8,,16"); }, "'' is not a batch size");
  auto space_error = [&](auto change, const std::string& fragment) {
    xinzhi::text::SearchSpace s;
    change(s);
    input_error([&] { xinzhi::text::validate(s); }, fragment);
  };
  space_error([](auto& s) { s.lr = {0, 1e-3}; }, "--lr-range");
  space_error([](auto& s) { s.epochs = {1.5, 3}; }, "--epochs-range");
  space_error([](auto& s) { s.warmup = {0, 1}; }, "--warmup-range");
  space_error([](auto& s) { s.dropout = {0, 1.5}; }, "--dropout-range");
  space_error([](auto& s) { s.dropout = {-0.1, 0.1}; }, "--dropout-range");
}

TEST(TextTune, EveryOptionHasHelp) {
  auto r = run_xinzhi("text tune --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (auto opt : {"--lr-range", "--batch-sizes", "--epochs-range", "--warmup-range", "--dropout-range", "--trials", "--eta",
                   "--budget", "--seed", "--train", "--dev", "--out", "--size", "--hidden", "--metric", "--threads"}) {
    auto p = r.output.find(opt);
    ASSERT_NE(p, std::string::npos) << opt << "\n" << r.output;
    // the option's line says something after the option and its value type
    auto eol = r.output.find('\n', p);
    auto line = r.output.substr(p, eol - p);
    EXPECT_GT(line.size(), std::string(opt).size() + 12) << line;
  }
  // the searched options are not taken as fixed values
  EXPECT_EQ(r.output.find("--lr "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("--batch-size "), std::string::npos) << r.output;
}
