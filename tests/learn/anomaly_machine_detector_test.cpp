// The multivariate machine detector (src/learn/anomaly/machine_detector): a joint shift of
// correlated sensors, each within its own usual range, scores above normal steps; a move the
// correlation explains does not; missing sensors are tolerated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "learn/anomaly/machine_detector.hpp"

using namespace xinzhi;
using namespace xinzhi::learn;

namespace {

// Three sensors driven by one load (strongly correlated), each with its own scale and noise.
struct Machine {
  std::mt19937 rng{11};
  std::normal_distribution<double> n{0.0, 1.0};
  std::vector<double> step(double load) {
    return {20 + 5 * load + 0.5 * n(rng), 300 + 40 * load + 4 * n(rng), 1.0 + 0.2 * load + 0.02 * n(rng)};
  }
};

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

}  // namespace

TEST(MachineDetector, JointShiftScoresAboveNormalData) {
  MachineDetector d(3);
  Machine m;
  std::normal_distribution<double> load(0.0, 1.0);
  std::mt19937 rng(5);
  std::vector<double> normal, shifted, explained;
  for (int i = 0; i < 3000; ++i) {
    auto v = m.step(load(rng));
    // From step 2500 for 50 steps, sensor 0 goes up while sensors 1 and 2 go down by about one
    // usual spread each: no sensor leaves its range, but the three no longer agree.
    const bool anomaly = i >= 2500 && i < 2550;
    if (anomaly) {
      v[0] += 4;
      v[1] -= 30;
      v[2] -= 0.15;
    }
    const double s = d.update(i * 60000, v);
    EXPECT_TRUE(s >= 0.0 && s <= 1.0);
    if (i >= 500 && i < 2500) normal.push_back(s);
    if (anomaly) shifted.push_back(s);
  }
  EXPECT_GT(mean(shifted), mean(normal) + 0.2) << "normal " << mean(normal) << " shifted " << mean(shifted);
  // A high load moves all three together as usual: no more surprising than normal.
  for (int i = 0; i < 50; ++i) explained.push_back(d.update((3000 + i) * 60000, m.step(1.5)));
  EXPECT_LT(mean(explained), mean(shifted));
}

TEST(MachineDetector, MissingSensorsAndWarmup) {
  MachineDetector d(3);
  Machine m;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 1000; ++i) {
    auto v = m.step(std::sin(i * 0.05));
    if (i % 3 == 0) v[1] = nan;
    const double s = i % 97 == 0 ? d.update(i * 60000, std::vector<double>{nan, nan, nan}) : d.update(i * 60000, v);
    if (i < static_cast<int>(MachineDetectorOptions{}.warmup)) EXPECT_EQ(s, 0.0);
    if (i % 97 == 0) EXPECT_EQ(s, 0.0);
    EXPECT_TRUE(s >= 0.0 && s <= 1.0);
  }
  EXPECT_THROW(d.update(0, std::vector<double>{1.0}), Error);
}
