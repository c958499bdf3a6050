// The hashed dropout mask: keeps 1-p of the elements, scales the kept ones by 1/(1-p), gives
// the same mask for the same seed (the backward pass regenerates it) and different masks for
// different seeds, without correlation between neighbouring elements.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "text/model/dropout.hpp"

using namespace xinzhi::text;

TEST(HashedDropout, KeepsOneMinusPScaledAndRepeatsForTheSameSeed) {
  const int64_t n = 1 << 20;
  const double p = 0.1;
  std::vector<float> in(n), a(n), b(n), c(n);
  for (int64_t i = 0; i < n; ++i) in[i] = 1.0f + static_cast<float>(i % 97);
  hashed_dropout_apply(in.data(), a.data(), n, 12345, p);
  hashed_dropout_apply(in.data(), b.data(), n, 12345, p);
  hashed_dropout_apply(in.data(), c.data(), n, 12346, p);
  EXPECT_EQ(a, b);
  int64_t kept = 0, both = 0, kept_pairs = 0;
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  for (int64_t i = 0; i < n; ++i) {
    if (a[i] != 0.0f) {
      ++kept;
      ASSERT_EQ(a[i], in[i] * scale) << i;
      if (c[i] != 0.0f) ++both;
      if (i + 1 < n && a[i + 1] != 0.0f) ++kept_pairs;
    }
  }
  const double frac = static_cast<double>(kept) / n;
  EXPECT_NEAR(frac, 1 - p, 0.003);
  // Another seed: an independent mask (both keep with probability (1-p)^2).
  EXPECT_NEAR(static_cast<double>(both) / n, (1 - p) * (1 - p), 0.003);
  // Neighbours: independent too.
  EXPECT_NEAR(static_cast<double>(kept_pairs) / n, (1 - p) * (1 - p), 0.003);
}

TEST(HashedDropout, GradientMaskIsTheForwardMask) {
  // The backward pass applies the same call to the incoming gradient: where the forward
  // dropped an element, the gradient is dropped too, and kept ones are scaled alike.
  const int64_t n = 100000;
  std::vector<float> x(n, 2.0f), g(n, -3.0f), fx(n), fg(n);
  hashed_dropout_apply(x.data(), fx.data(), n, 77, 0.3);
  hashed_dropout_apply(g.data(), fg.data(), n, 77, 0.3);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(fx[i] == 0.0f, fg[i] == 0.0f) << i;
}
