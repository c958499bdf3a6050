// Internal (libtorch side): the transformer's dense layers, y = x·Wᵀ + b, with both forward
// and backward GEMMs run by oneDNN's sgemm when the process has it (Debian's libtorch links
// oneDNN, whose JIT kernels use AVX-512 where the CPU has it; libtorch's own float matmul goes
// to the BLAS, which on newer CPUs it does not recognise runs AVX2 kernels at half that speed).
// Falls back to torch::linear off CPU, for other dtypes, under autocast, or without oneDNN.
#pragma once

#include <torch/torch.h>

namespace xinzhi::text {

torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);

// Threads for libtorch's intra-op pool and for the BLAS behind it: OpenBLAS keeps a pool of
// its own, sized to the machine, that torch::set_num_threads does not reach.
void set_compute_threads(int threads);

}  // namespace xinzhi::text
