#include "text/model/dense.hpp"

#include <dlfcn.h>

#include <ATen/autocast_mode.h>

#include <cstdlib>

namespace xinzhi::text {

namespace {

// oneDNN's C API (dnnl.h): row-major C = alpha·op(A)·op(B) + beta·C. Looked up at run time so
// that builds against a libtorch without an exported oneDNN still link and run.
using Sgemm = int (*)(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                      int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

Sgemm onednn_sgemm() {
  static const Sgemm f = []() -> Sgemm {
    const char* off = std::getenv("XINZHI_NO_ONEDNN");
    if (off && *off && *off != '0') return nullptr;
    return reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
  }();
  return f;
}

void gemm(char ta, char tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float beta, float* c, int64_t ldc) {
  if (onednn_sgemm()(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) != 0)
    throw std::runtime_error("oneDNN sgemm failed");
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct DenseFn : public torch::autograd::Function<DenseFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b) {
    const int64_t K = w.size(1), N = w.size(0);
    auto x2 = x.reshape({-1, K}).contiguous();
    const int64_t M = x2.size(0);
    auto wc = w.contiguous();
    auto out = torch::empty({M, N}, x.options());
    float beta = 0;
    if (b.defined()) out.copy_(b.expand({M, N})), beta = 1;
    if (M > 0) gemm('N', 'T', M, N, K, x2.data_ptr<float>(), K, wc.data_ptr<float>(), K, beta, out.data_ptr<float>(), N);
    ctx->save_for_backward({x2, wc});
    ctx->saved_data["has_bias"] = b.defined();
    auto shape = x.sizes().vec();
    shape.back() = N;
    return out.view(shape);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x2 = saved[0];
    const auto& w = saved[1];
    const int64_t M = x2.size(0), K = w.size(1), N = w.size(0);
    auto g = grads[0].reshape({M, N}).contiguous();
    torch::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) {
      dx = torch::empty({M, K}, g.options());
      if (M > 0) gemm('N', 'N', M, K, N, g.data_ptr<float>(), N, w.data_ptr<float>(), K, 0, dx.data_ptr<float>(), K);
      auto shape = grads[0].sizes().vec();
      shape.back() = K;
      dx = dx.view(shape);
    }
    if (ctx->needs_input_grad(1)) {
      dw = M > 0 ? torch::empty({N, K}, g.options()) : torch::zeros({N, K}, g.options());
      if (M > 0) gemm('T', 'N', N, K, M, g.data_ptr<float>(), N, x2.data_ptr<float>(), K, 0, dw.data_ptr<float>(), K);
    }
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) db = g.sum(0);
    return {dx, dw, db};
  }
};

}  // namespace

torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  const bool fast = onednn_sgemm() && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
                    w.scalar_type() == torch::kFloat32 && (!b.defined() || b.scalar_type() == torch::kFloat32) &&
                    !at::autocast::is_cpu_enabled() && x.dim() >= 1 && w.dim() == 2;
  if (!fast) return torch::linear(x, w, b);
  return DenseFn::apply(x, w, b);
}

void set_compute_threads(int threads) {
  if (threads <= 0) return;
  torch::set_num_threads(threads);
  // Debian's libtorch does its matrix products in OpenBLAS, whose own thread pool ignores
  // torch::set_num_threads and defaults to every core: "--threads 1" would still run two
  // spinning BLAS threads. Tell OpenBLAS too when it is the BLAS that is loaded.
  using SetThreads = void (*)(int);
  static const auto openblas = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (openblas) openblas(threads);
}

}  // namespace xinzhi::text
