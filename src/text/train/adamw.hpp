// AdamW over raw float buffers, as the trainer runs it every step: one fused, vectorised and
// parallel pass per parameter (read p, g, m, v once; write p, m, v once) instead of a chain of
// tensor ops, and the sum of squares for gradient-norm clipping in the same kind of pass.
#pragma once

#include <cstdint>

namespace xinzhi::text {

struct AdamWStep {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0;  // 0 for parameters excluded from decay
  int64_t step = 1;         // 1-based count of steps taken, this one included (bias correction)
  double grad_scale = 1;    // multiplies the gradient first (gradient-norm clipping)
};

// torch.optim.AdamW's update (decoupled weight decay, bias-corrected moments) on n elements:
//   p *= 1 - lr*wd;  g' = g*scale;  m = b1*m + (1-b1)*g';  v = b2*v + (1-b2)*g'*g'
//   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
// g == nullptr stands for a zero gradient (a parameter the step did not reach).
void adamw_fused(float* p, const float* g, float* m, float* v, int64_t n, const AdamWStep& s);

// The same update written as the tensor ops of torch.optim.AdamW (PyTorch 1.13's
// single-tensor path): the reference the fused pass is tested against.
void adamw_reference(float* p, const float* g, float* m, float* v, int64_t n, const AdamWStep& s);

// Sum of squares of n floats in double, in fixed-size blocks summed in order, so the result
// does not depend on the thread count.
double sum_of_squares(const float* x, int64_t n);

}  // namespace xinzhi::text
