// Internal: what the parallel searches share (best solution, clock, limits), and the two
// tabu searches solve() chooses between.
#pragma once

#include <atomic>
#include <mutex>
#include <random>

#include "core/stopwatch.hpp"
#include "optimize/solver.hpp"

namespace xinzhi::optimize::detail {

class SharedBest {
 public:
  SharedBest(const SearchOptions& o, double start_value, const Solution& start);
  // Offers a solution; returns true when it became the shared best.
  bool offer(double value, const Solution& sol, int thread);
  double value() const { return value_.load(std::memory_order_relaxed); }
  Solution get() const;
  double elapsed() const;
  bool stop() const;             // time up, target reached, or asked to stop
  void request_stop() { stop_.store(true); }
  double seconds_to_best() const;
  const SearchOptions& options() const { return opts_; }

 private:
  SearchOptions opts_;
  std::atomic<double> value_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Solution best_;
  double time_to_best_ = 0;
  SteadyTime start_;
};

// A search thread's own random stream: the run's seed spread over 64 bits (by the golden ratio),
// offset by the thread and by the search (each search its own number), so that the same seed
// and thread always give the same stream and no two threads or searches share one.
inline std::mt19937_64 thread_rng(std::uint64_t seed, int thread, int search) {
  return std::mt19937_64(seed * 0x9E3779B97F4A7C15ULL + thread * 7919 + search);
}

// Each returns its thread's iteration count. The shop's assignment is fixed in the job-shop search.
std::int64_t jssp_tabu(const FlatShop& shop, const Solution& start, std::uint64_t seed, int thread, SharedBest& shared);
std::int64_t flex_tabu(const FlatShop& shop, const Solution& start, std::uint64_t seed, int thread, SharedBest& shared);

}  // namespace xinzhi::optimize::detail
