#include "text/model/dropout.hpp"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

namespace xinzhi::text {

namespace {

// Two rounds of a 32-bit integer mix (Wellons' lowbias32): a counter-based generator whose
// output for element i does not depend on the order or the thread computing it.
inline uint32_t mix(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// out[i] = in[i] * scale where hash(seed, base + i) >= threshold, else 0.
__attribute__((target_clones("avx512f", "avx2", "default"))) void kernel(const float* __restrict in,
                                                                           float* __restrict out, int64_t n,
                                                                           uint32_t base, uint32_t s0, uint32_t s1,
                                                                           uint32_t threshold, float scale) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t h = mix(mix((base + static_cast<uint32_t>(i)) ^ s0) + s1);
    out[i] = h >= threshold ? in[i] * scale : 0.0f;
  }
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct DropoutFn : public torch::autograd::Function<DropoutFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double p) {
    uint64_t seed;
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      seed = gen.get<at::CPUGeneratorImpl>()->random64();
    }
    auto xc = x.contiguous();
    auto out = torch::empty_like(xc);
    hashed_dropout_apply(xc.data_ptr<float>(), out.data_ptr<float>(), xc.numel(), seed, p);
    ctx->saved_data["seed"] = static_cast<int64_t>(seed);
    ctx->saved_data["p"] = p;
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto g = grads[0].contiguous();
    auto out = torch::empty_like(g);
    hashed_dropout_apply(g.data_ptr<float>(), out.data_ptr<float>(), g.numel(),
                         static_cast<uint64_t>(ctx->saved_data["seed"].toInt()), ctx->saved_data["p"].toDouble());
    return {out, torch::Tensor()};
  }
};

}  // namespace

void hashed_dropout_apply(const float* in, float* out, int64_t n, uint64_t seed, double p) {
  const auto threshold = static_cast<uint32_t>(std::min(4294967295.0, p * 4294967296.0));
  const auto scale = static_cast<float>(1.0 / (1.0 - p));
  const auto s0 = static_cast<uint32_t>(seed), s1 = static_cast<uint32_t>(seed >> 32);
  at::parallel_for(0, n, 32768, [&](int64_t b, int64_t e) {
    kernel(in + b, out + b, e - b, static_cast<uint32_t>(b), s0, s1, threshold, scale);
  });
}

torch::Tensor hashed_dropout(const torch::Tensor& x, double p, bool train) {
  if (!train || p <= 0) return x;
  if (p >= 1 || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32 || x.numel() >= (int64_t{1} << 32))
    return torch::dropout(x, p, train);
  return DropoutFn::apply(x, p);
}

}  // namespace xinzhi::text
