// Data-parallel training over c10d/Gloo (`--nproc`, and `--rank/--world-size` as across machines)
// takes the same optimizer steps as one process with the same global batch; a worker that dies
// fails the run instead of hanging it; bf16 autocast trains where the CPU has bf16.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"
#include "text/model/safetensors.hpp"
#include "text/train/trainer.hpp"

using xinzhi::testing::read_text;
using xinzhi::testing::run_shell;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

// CoNLL sentences of varied lengths (so batches are padded and split unevenly).
std::string conll(int sentences) {
  const char* people[] = {"Anna", "Boris", "Chen", "Dora", "Emil"};
  const char* places[] = {"Paris", "Lyon", "Wuhan", "Oslo"};
  std::string out = "-DOCSTART- -X- O O\n\n";
  for (int i = 0; i < sentences; ++i) {
    out += std::string(people[i % 5]) + " NNP I-NP I-PER\nvisited VBD I-VP O\n" + places[(i * 3) % 4] + " NNP I-NP I-LOC\n";
    for (int k = 0; k < i % 4; ++k) out += std::string("and CC O O\n") + people[(i + k) % 5] + " NNP I-NP I-PER\n";
    out += ". . O O\n\n";
  }
  return out;
}

// A port nobody listens on now (the kernel's choice for an ephemeral bind on loopback).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::vector<double> losses(const std::string& out_dir) {
  auto m = nlohmann::json::parse(read_text(out_dir + "/metrics.json"));
  return m["losses"].get<std::vector<double>>();
}

double max_weight_difference(const std::string& a, const std::string& b) {
  auto ta = xinzhi::text::read_safetensors(a + "/best/model.safetensors");
  auto tb = xinzhi::text::read_safetensors(b + "/best/model.safetensors");
  std::map<std::string, const xinzhi::text::NamedTensor*> by_name;
  for (auto& t : tb) by_name[t.name] = &t;
  double worst = 0;
  for (auto& t : ta) {
    auto it = by_name.find(t.name);
    if (it == by_name.end() || it->second->data.size() != t.data.size()) return INFINITY;
    for (size_t i = 0; i < t.data.size(); ++i) worst = std::max(worst, std::abs(double(t.data[i]) - it->second->data[i]));
  }
  return worst;
}

// 70 sentences, global batch 7 (split 3 + 4 rows), 2 epochs: 20 optimizer steps. Dropout 0 so
// that the runs are deterministic.
std::string train_args(const TempDir& dir, const std::string& out, int epochs = 2) {
  return "-q text train --task ner --train " + (dir / "train.txt") + " -o " + (dir / out) + " --epochs " + std::to_string(epochs) +
         " --hidden 32 --layers 2 --heads 2 --batch-size 7 --lr 3e-3 --vocab-size 80 --dropout 0 --seed 7";
}

}  // namespace

TEST(TextParallel, TwoGlooProcessesMatchOneProcessAtTheSameGlobalBatch) {
  TempDir dir;
  write_text(dir / "train.txt", conll(70));
  auto one = run_xinzhi(train_args(dir, "one") + " --threads 1");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = run_xinzhi(train_args(dir, "two") + " --nproc 2");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  // Only rank 0 reports.
  EXPECT_EQ(two.output.find("model:"), two.output.rfind("model:")) << two.output;

  auto l1 = losses(dir / "one"), l2 = losses(dir / "two");
  ASSERT_EQ(l1.size(), 20u);
  ASSERT_EQ(l2.size(), 20u);
  for (size_t i = 0; i < l1.size(); ++i) EXPECT_NEAR(l1[i], l2[i], 1e-4) << "step " << i + 1;
  EXPECT_LT(l1.back(), l1.front());  // it did learn something
  EXPECT_LT(max_weight_difference(dir / "one", dir / "two"), 1e-4);
  EXPECT_FALSE(std::filesystem::exists(dir / "two/vocab-for-workers.tmp"));

  // The same through --rank/--world-size/--master-port, as on several machines (here loopback).
  const std::string port = std::to_string(free_port());
  const std::string bin = XINZHI_BINARY;
  auto r = run_shell("timeout 120 sh -c '" + bin + " " + train_args(dir, "ranks") + " --threads 1 --rank 1 --world-size 2 --master-port " +
                     port + " & " + bin + " " + train_args(dir, "ranks") + " --threads 1 --rank 0 --world-size 2 --master-port " + port +
                     "; a=$?; wait $!; b=$?; echo \"rc=$a,$b\"'");
  ASSERT_NE(r.output.find("rc=0,0"), std::string::npos) << r.output;
  auto l3 = losses(dir / "ranks");
  ASSERT_EQ(l3.size(), 20u);
  for (size_t i = 0; i < l1.size(); ++i) EXPECT_NEAR(l1[i], l3[i], 1e-4) << "step " << i + 1;
}

TEST(TextParallel, AWorkerThatDiesFailsTheRunWithAClearMessage) {
  TempDir dir;
  write_text(dir / "train.txt", conll(70));
  const std::string bin = XINZHI_BINARY;
  // Many epochs: still training when the worker (the child of xinzhi) is killed.
  auto r = run_shell("timeout 120 sh -c '" + bin + " " + train_args(dir, "out", 1000) +
                     " --nproc 2 & p=$!; n=0; while ! pgrep -P $p >/dev/null && [ $n -lt 300 ]; do sleep 0.1; "
                     "n=$((n+1)); done; sleep 2; pkill -KILL -P $p; wait $p; echo \"rc=$?\"'");
  ASSERT_EQ(r.output.find("rc=0"), std::string::npos) << r.output;
  ASSERT_NE(r.output.find("rc="), std::string::npos) << r.output;        // it ended (no hang)
  EXPECT_EQ(r.output.find("rc=124"), std::string::npos) << r.output;     // by itself, not by timeout
  EXPECT_TRUE(r.output.find("worker rank 1") != std::string::npos || r.output.find("another rank died") != std::string::npos)
      << r.output;
}

TEST(TextParallel, BadDataParallelOptionsAreRefused) {
  TempDir dir;
  write_text(dir / "train.txt", conll(10));
  auto r = run_xinzhi(train_args(dir, "out") + " --nproc 2 --world-size 2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("alternatives"), std::string::npos) << r.output;
  r = run_xinzhi(train_args(dir, "out") + " --rank 3 --world-size 2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("outside the group"), std::string::npos) << r.output;
}

TEST(TextBf16, RefusedOnACpuWithoutBf16) {
  TempDir dir;
  write_text(dir / "train.txt", conll(10));
  // A CPU with AVX-512 but without its bf16 extension (a Skylake-SP's flags).
  write_text(dir / "cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_vnni\n\n");
  auto r = xinzhi::testing::run_shell("XINZHI_CPUINFO=" + (dir / "cpuinfo") + " " + XINZHI_BINARY + " " + train_args(dir, "out") + " --bf16");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--bf16: this CPU has no bf16 instructions"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out")) << "refused before any work";
}

TEST(TextBf16, TrainsWithAutocastAndTheLossFalls) {
  TempDir dir;
  write_text(dir / "train.txt", conll(70));
  auto r = run_xinzhi(train_args(dir, "out") + " --threads 1 --bf16");
  if (!xinzhi::text::cpu_has_bf16()) {
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("no bf16"), std::string::npos) << r.output;
    GTEST_SKIP() << "this CPU has no bf16 instructions (avx512_bf16 / amx_bf16): --bf16 is refused (as checked); "
                    "the training itself is not tested here";
  }
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto l = losses(dir / "out");
  ASSERT_EQ(l.size(), 20u);
  EXPECT_LT(l.back(), 0.7 * l.front());
  // The checkpoint stays F32.
  const std::string st = read_text(dir / "out/best/model.safetensors");
  EXPECT_NE(st.find("\"F32\""), std::string::npos);
  EXPECT_EQ(st.find("\"BF16\""), std::string::npos);
  // And it is not the F32 run under another name: bf16 matmuls round differently.
  auto f = run_xinzhi(train_args(dir, "f32") + " --threads 1");
  ASSERT_EQ(f.exit_code, 0) << f.output;
  auto l32 = losses(dir / "f32");
  double diff = 0;
  for (size_t i = 0; i < l.size(); ++i) diff = std::max(diff, std::abs(l[i] - l32[i]));
  EXPECT_GT(diff, 0.0);
  EXPECT_LT(std::abs(l.back() - l32.back()), 0.5 * l32.front());  // ...but learns alike
}

TEST(TextBf16, MaskedLmPretrainingTrainsWithAutocast) {
  // The masked-LM head runs its own layer_norm on a bf16 activation: it must reach F32 first.
  if (!xinzhi::text::cpu_has_bf16()) GTEST_SKIP() << "this CPU has no bf16 instructions: --bf16 is refused (tested above)";
  TempDir dir;
  write_text(dir / "train.txt", conll(70));
  std::string args = train_args(dir, "mlm", 4);
  args.replace(args.find("--task ner"), 10, "--task mlm --word-shape");
  auto r = run_xinzhi(args + " --threads 1 --bf16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto l = losses(dir / "mlm");
  ASSERT_GE(l.size(), 10u);
  EXPECT_TRUE(std::isfinite(l.back()));
  // A tagger fine-tuned from it keeps the word shapes its embeddings were trained with.
  auto ft = run_xinzhi(train_args(dir, "ner") + " --init " + (dir / "mlm/best") + " --word-shape --threads 1 --bf16");
  EXPECT_EQ(ft.exit_code, 0) << ft.output;
}

TEST(TextTrain, TokenDropoutIsSeededNoiseOnTheInputs) {
  TempDir dir;
  write_text(dir / "train.txt", conll(70));
  auto a = run_xinzhi(train_args(dir, "a") + " --threads 1 --token-dropout 0.3");
  auto b = run_xinzhi(train_args(dir, "b") + " --threads 1 --token-dropout 0.3");
  auto c = run_xinzhi(train_args(dir, "c") + " --threads 1");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const auto la = losses(dir / "a"), lb = losses(dir / "b"), lc = losses(dir / "c");
  EXPECT_EQ(la, lb);  // the same seed masks the same tokens
  ASSERT_EQ(la.size(), lc.size());
  EXPECT_NE(la, lc);  // and the masking changes what the model sees
  // Entity words masked more often: another, still seeded, noise.
  auto d = run_xinzhi(train_args(dir, "d") + " --threads 1 --token-dropout 0.3 --entity-dropout 0.8");
  auto d2 = run_xinzhi(train_args(dir, "d2") + " --threads 1 --token-dropout 0.3 --entity-dropout 0.8");
  ASSERT_EQ(d.exit_code, 0) << d.output;
  ASSERT_EQ(d2.exit_code, 0) << d2.output;
  EXPECT_EQ(losses(dir / "d"), losses(dir / "d2"));
  EXPECT_NE(losses(dir / "d"), la);
  // Only a tagger has entity words.
  std::string mlm = train_args(dir, "mlm");
  mlm.replace(mlm.find("--task ner"), 10, "--task mlm");
  auto m = run_xinzhi(mlm + " --entity-dropout 0.5");
  EXPECT_EQ(m.exit_code, 1) << m.output;
  EXPECT_NE(m.output.find("(--entity-dropout) needs a ner training set"), std::string::npos) << m.output;
  // Out of range: refused before any work.
  auto bad = run_xinzhi(train_args(dir, "bad") + " --token-dropout 1.5");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--token-dropout"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad"));
}
