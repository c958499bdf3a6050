// Standardisation: z-score, min-max and robust, NaN kept.
#include <gtest/gtest.h>

#include <cmath>

#include "clean/standardise.hpp"
#include "make_series.hpp"

using namespace xinzhi::clean;
using clean_test::NaN;

TEST(Repair, Standardisation) {
  const std::vector<double> x = {1, 2, 3, NaN, 4};
  const auto z = standardise(x, Standardise::zscore);
  EXPECT_NEAR(z[0], (1 - 2.5) / std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_TRUE(std::isnan(z[3]));
  const auto mm = standardise(x, Standardise::minmax);
  EXPECT_DOUBLE_EQ(mm[0], 0);
  EXPECT_DOUBLE_EQ(mm[4], 1);
  const auto rb = standardise(x, Standardise::robust);
  EXPECT_NEAR(rb[1], (2 - 2.5) / (1.4826 * 1.0), 1e-12);
}
