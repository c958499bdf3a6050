#include "text/train/adamw.hpp"

#include <cmath>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace xinzhi::text {

namespace {

// The per-element constants, rounded to float once as PyTorch's float kernels do with a
// double scalar.
struct Coeffs {
  float decay, scale, b1, c1, b2, c2, bc2_sqrt, eps, neg_step;
};

Coeffs coeffs(const AdamWStep& s) {
  const double t = static_cast<double>(s.step);
  const double bc1 = 1 - std::pow(s.beta1, t), bc2 = 1 - std::pow(s.beta2, t);
  return {static_cast<float>(1 - s.lr * s.weight_decay), static_cast<float>(s.grad_scale),
          static_cast<float>(s.beta1),                   static_cast<float>(1 - s.beta1),
          static_cast<float>(s.beta2),                   static_cast<float>(1 - s.beta2),
          static_cast<float>(std::sqrt(bc2)),            static_cast<float>(s.eps),
          static_cast<float>(-s.lr / bc1)};
}

// One straight loop the compiler vectorises (this file is built with -O3 -fno-math-errno);
// clones for AVX-512 and AVX2 are picked at load time by the CPU that runs it.
__attribute__((target_clones("avx512f", "avx2", "default"))) void kernel(float* __restrict p, const float* __restrict g,
                                                                           float* __restrict m, float* __restrict v,
                                                                           int64_t n, Coeffs c) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * c.scale;
    const float pi = p[i] * c.decay;
    const float mi = m[i] * c.b1 + gi * c.c1;
    const float vi = v[i] * c.b2 + c.c2 * gi * gi;
    const float denom = std::sqrt(vi) / c.bc2_sqrt + c.eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + c.neg_step * (mi / denom);
  }
}

void kernel_no_grad(float* p, float* m, float* v, int64_t n, Coeffs c) {
  for (int64_t i = 0; i < n; ++i) {
    const float pi = p[i] * c.decay;
    const float mi = m[i] * c.b1;
    const float vi = v[i] * c.b2;
    const float denom = std::sqrt(vi) / c.bc2_sqrt + c.eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + c.neg_step * (mi / denom);
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) double squares(const float* __restrict x, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(x[i + k]) * static_cast<double>(x[i + k]);
  for (; i < n; ++i) acc[0] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

constexpr int64_t kGrain = 32768;  // elements per task: large enough that scheduling is free

}  // namespace

void adamw_fused(float* p, const float* g, float* m, float* v, int64_t n, const AdamWStep& s) {
  const Coeffs c = coeffs(s);
  at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    if (g) kernel(p + b, g + b, m + b, v + b, e - b, c);
    else kernel_no_grad(p + b, m + b, v + b, e - b, c);
  });
}

void adamw_reference(float* p, const float* g, float* m, float* v, int64_t n, const AdamWStep& s) {
  torch::NoGradGuard ng;
  auto P = torch::from_blob(p, {n}, torch::kFloat32), M = torch::from_blob(m, {n}, torch::kFloat32),
       V = torch::from_blob(v, {n}, torch::kFloat32);
  auto G = g ? torch::from_blob(const_cast<float*>(g), {n}, torch::kFloat32).mul(s.grad_scale)
             : torch::zeros({n}, torch::kFloat32);
  const double t = static_cast<double>(s.step);
  const double bc1 = 1 - std::pow(s.beta1, t), bc2 = 1 - std::pow(s.beta2, t);
  if (s.weight_decay > 0) P.mul_(1 - s.lr * s.weight_decay);
  M.mul_(s.beta1).add_(G, 1 - s.beta1);
  V.mul_(s.beta2).addcmul_(G, G, 1 - s.beta2);
  auto denom = (V.sqrt() / std::sqrt(bc2)).add_(s.eps);
  P.addcdiv_(M, denom, -s.lr / bc1);
}

double sum_of_squares(const float* x, int64_t n) {
  const int64_t blocks = (n + kGrain - 1) / kGrain;
  std::vector<double> part(static_cast<size_t>(blocks), 0.0);
  at::parallel_for(0, blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) part[k] = squares(x + k * kGrain, std::min(kGrain, n - k * kGrain));
  });
  double total = 0;
  for (double d : part) total += d;
  return total;
}

}  // namespace xinzhi::text
