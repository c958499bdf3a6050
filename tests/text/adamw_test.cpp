// The fused AdamW pass against torch.optim.AdamW's tensor ops and against the formula in
// double precision, over several steps with weight decay, clipping scale and odd sizes; and
// the clipping norm's sum of squares.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "text/train/adamw.hpp"

using namespace xinzhi::text;

namespace {

std::vector<float> normal(size_t n, double sd, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, static_cast<float>(sd));
  std::vector<float> out(n);
  for (auto& x : out) x = d(rng);
  return out;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

}  // namespace

TEST(AdamW, FusedMatchesTheTensorReferenceAndTheFormula) {
  // Odd size: vector tails and several parallel chunks; steps 1..6 with changing gradients.
  const size_t n = 100003;
  auto p = normal(n, 0.5, 1);
  std::vector<float> m(n, 0.f), v(n, 0.f);
  auto p_ref = p, m_ref = m, v_ref = v;
  std::vector<double> p_d(p.begin(), p.end()), m_d(n, 0.0), v_d(n, 0.0);
  AdamWStep s;
  s.lr = 1e-2, s.weight_decay = 0.01, s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-8;
  for (int t = 1; t <= 6; ++t) {
    auto g = normal(n, 1.0, 100 + t);
    g[7] = 0.f;  // a zero gradient: only eps keeps the denominator positive on step 1
    s.step = t;
    s.grad_scale = t % 2 ? 0.37 : 1.0;
    adamw_fused(p.data(), g.data(), m.data(), v.data(), static_cast<int64_t>(n), s);
    adamw_reference(p_ref.data(), g.data(), m_ref.data(), v_ref.data(), static_cast<int64_t>(n), s);
    const double bc1 = 1 - std::pow(s.beta1, t), bc2 = 1 - std::pow(s.beta2, t);
    for (size_t i = 0; i < n; ++i) {
      const double gi = g[i] * s.grad_scale;
      p_d[i] *= 1 - s.lr * s.weight_decay;
      m_d[i] = s.beta1 * m_d[i] + (1 - s.beta1) * gi;
      v_d[i] = s.beta2 * v_d[i] + (1 - s.beta2) * gi * gi;
      p_d[i] -= s.lr / bc1 * m_d[i] / (std::sqrt(v_d[i]) / std::sqrt(bc2) + s.eps);
    }
    EXPECT_LE(max_abs_diff(p, p_ref), 1e-6) << "step " << t;
    EXPECT_LE(max_abs_diff(m, m_ref), 1e-6) << "step " << t;
    EXPECT_LE(max_abs_diff(v, v_ref), 1e-6) << "step " << t;
    std::vector<float> pd(p_d.begin(), p_d.end());
    EXPECT_LE(max_abs_diff(p, pd), 1e-6) << "step " << t;
  }
  // The parameters really moved (the comparison is not between unchanged buffers).
  EXPECT_GT(max_abs_diff(p, normal(n, 0.5, 1)), 1e-3);
}

TEST(AdamW, MissingGradientIsAZeroGradientAndNoDecayLeavesWeightDecayOut) {
  const size_t n = 1000;
  auto p = normal(n, 0.5, 3), m = normal(n, 0.1, 4), v = normal(n, 0.1, 5);
  for (auto& x : v) x = x * x;
  auto p_ref = p, m_ref = m, v_ref = v;
  AdamWStep s;
  s.step = 3, s.weight_decay = 0;
  adamw_fused(p.data(), nullptr, m.data(), v.data(), static_cast<int64_t>(n), s);
  adamw_reference(p_ref.data(), nullptr, m_ref.data(), v_ref.data(), static_cast<int64_t>(n), s);
  EXPECT_LE(max_abs_diff(p, p_ref), 1e-6);
  EXPECT_LE(max_abs_diff(m, m_ref), 1e-6);
  EXPECT_LE(max_abs_diff(v, v_ref), 1e-6);
  EXPECT_GT(max_abs_diff(p, normal(n, 0.5, 3)), 1e-5);  // momentum still moves the weights
}

TEST(AdamW, SumOfSquaresIsExactInDoubleAcrossChunks) {
  for (size_t n : {size_t{0}, size_t{5}, size_t{32768}, size_t{200001}}) {
    auto x = normal(n, 2.0, 9);
    double want = 0;
    for (float f : x) want += static_cast<double>(f) * f;
    EXPECT_NEAR(sum_of_squares(x.data(), static_cast<int64_t>(n)), want, 1e-9 * std::max(1.0, want)) << n;
  }
}
