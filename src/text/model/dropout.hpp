// Internal (libtorch side): inverted dropout (keep with probability 1-p, scale by 1/(1-p)) whose
// mask is a counter-based hash of (seed, element index) rather than a stored Bernoulli tensor:
// one vectorised pass forward, one backward with the mask regenerated, no mask kept in memory.
// The seed of each call is drawn from libtorch's default CPU generator, so a seed, or a restored
// generator state, gives the same masks. Falls back to torch::dropout off CPU or for other dtypes.
#pragma once

#include <cstdint>

namespace at {
class Tensor;
}

namespace xinzhi::text {

at::Tensor hashed_dropout(const at::Tensor& x, double p, bool train);

// The mask on raw floats: out[i] = in[i] / (1-p) where hash(seed, i) keeps element i, else 0.
// The same seed gives the same mask (the backward pass relies on it), whatever the threads.
void hashed_dropout_apply(const float* in, float* out, int64_t n, uint64_t seed, double p);

}  // namespace xinzhi::text
