// The twin's random numbers: a small, portable generator (xoshiro256**) with its own uniform
// and normal draws, so the same seed gives the same bytes on every compiler and library
// (std::normal_distribution differs between standard libraries). Streams are derived from
// (seed, purpose, index) so that each machine, sensor and gateway draws independently.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace xinzhi::twin {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& s : s_) s = splitmix64(seed);
  }
  // An independent stream for one purpose ("sensor") and index (machine * 16 + sensor).
  Rng(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0)
      : Rng(mix(seed, purpose, index)) {}

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // [0, 1)
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // [0, n)
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : static_cast<std::uint64_t>(uniform() * static_cast<double>(n)); }
  int between(int lo, int hi) { return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1))); }
  bool chance(double p) { return p > 0 && uniform() < p; }
  // Standard normal by Box-Muller (one value per call; the pair's second value is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = uniform();
    while (u <= 0) u = uniform();
    const double v = uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    spare_ = r * std::sin(6.283185307179586 * v);
    has_spare_ = true;
    return r * std::cos(6.283185307179586 * v);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  double exponential(double mean) {
    double u = uniform();
    while (u <= 0) u = uniform();
    return -mean * std::log(u);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t mix(std::uint64_t seed, std::string_view purpose, std::uint64_t index) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a of the purpose
    for (char c : purpose) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    std::uint64_t x = seed ^ h;
    std::uint64_t a = splitmix64(x);
    x = a ^ (index * 0x9e3779b97f4a7c15ULL);
    return splitmix64(x);
  }
  std::uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace xinzhi::twin
