// solve(): dispatching rules for a start, then parallel tabu searches sharing the best.
#include "optimize/solver.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "optimize/search_shared.hpp"

namespace xinzhi::optimize {

namespace detail {

SharedBest::SharedBest(const SearchOptions& o, double start_value, const Solution& start)
    : opts_(o), value_(start_value), best_(start), start_(std::chrono::steady_clock::now()) {}

bool SharedBest::offer(double value, const Solution& sol, int) {
  std::lock_guard lock(mu_);
  if (value >= value_.load()) return false;
  value_.store(value);
  best_ = sol;
  time_to_best_ = elapsed();
  if (opts_.target >= 0 && value <= opts_.target) stop_.store(true);
  return true;
}

Solution SharedBest::get() const {
  std::lock_guard lock(mu_);
  return best_;
}

double SharedBest::elapsed() const {
  return seconds_since(start_);
}

bool SharedBest::stop() const {
  if (stop_.load(std::memory_order_relaxed)) return true;
  return opts_.time_limit_s > 0 && elapsed() >= opts_.time_limit_s;
}

double SharedBest::seconds_to_best() const {
  std::lock_guard lock(mu_);
  return time_to_best_;
}

}  // namespace detail

double objective_value(const Schedule& s, Objective objective) {
  return objective == Objective::makespan ? static_cast<double>(s.makespan) : s.weighted_tardiness;
}

SearchResult solve(const Instance& inst, const SearchOptions& options) {
  if (options.time_limit_s <= 0 && options.iterations <= 0)
    throw UsageError("the search needs a time limit or an iteration limit");
  if (options.threads < 1) throw UsageError("--threads must be at least 1");
  const auto t0 = std::chrono::steady_clock::now();
  FlatShop shop(inst);
  SearchResult result;
  for (const auto& job : inst.jobs)
    if (job.ops.empty()) throw InputError(job.name, "the job has no operations");
  result.lower_bound = lower_bound(inst);

  // Every rule gives a start; threads start from the best ones in turn.
  std::vector<std::pair<double, Solution>> starts;
  std::vector<std::string> names;
  for (Rule r : all_rules()) {
    Solution sol = dispatch(shop, r);
    Schedule s = to_schedule(shop, sol, "");
    starts.push_back({objective_value(s, options.objective), std::move(sol)});
    names.push_back(rule_name(r));
  }
  if (options.warm_start) {
    Solution sol = solution_of(shop, *options.warm_start);
    Schedule s = to_schedule(shop, sol, "");
    starts.push_back({objective_value(s, options.objective), std::move(sol)});
    names.push_back("the plan in hand");
  }
  std::vector<std::size_t> order(starts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return starts[a].first < starts[b].first; });
  result.start_rule = names[order[0]];
  result.start_value = starts[order[0]].first;

  SearchOptions opts = options;
  // Nothing beats the lower bound: stop there.
  if (opts.objective == Objective::makespan)
    opts.target = std::max(opts.target, static_cast<double>(result.lower_bound));
  else if (opts.target < 0)
    opts.target = 0;
  detail::SharedBest shared(opts, result.start_value, starts[order[0]].second);
  const bool job_shop = !inst.flexible() && !inst.has_calendars() && opts.objective == Objective::makespan;
  const std::string engine = job_shop ? "tabu-n7" : "tabu-flex";

  std::vector<std::int64_t> iterations(opts.threads, 0);
  std::vector<std::thread> workers;
  std::atomic<int> running{opts.threads};
  std::exception_ptr failure;
  std::mutex failure_mu;
  const bool limit_reached = opts.target >= 0 && result.start_value <= opts.target;
  for (int t = 0; t < opts.threads && !limit_reached; ++t) {
    workers.emplace_back([&, t] {
      try {
        const Solution& start = starts[order[t % order.size()]].second;
        iterations[t] = job_shop ? detail::jssp_tabu(shop, start, opts.seed, t, shared)
                                 : detail::flex_tabu(shop, start, opts.seed, t, shared);
      } catch (...) {
        std::lock_guard lock(failure_mu);
        failure = std::current_exception();
        shared.request_stop();
      }
      --running;
    });
  }
  if (limit_reached) running = 0;
  // Anytime progress: a line whenever the shared best improves (at most every half second).
  double shown = result.start_value;
  if (opts.progress)
    spdlog::info("{}: start {} = {} (lower bound {}), searching with {} on {} thread{}", inst.name, result.start_rule,
                 result.start_value, result.lower_bound, engine, opts.threads, opts.threads == 1 ? "" : "s");
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(opts.progress ? 200 : 20));
    const double v = shared.value();
    if (opts.progress && v < shown) {
      shown = v;
      const double gap = opts.objective == Objective::makespan && v > 0 ? 100.0 * (v - result.lower_bound) / v : 0;
      spdlog::info("{:7.1f}s  best {}  gap to lower bound {:.2f}%", shared.elapsed(), v, gap);
    }
  }
  for (auto& w : workers) w.join();
  if (failure) std::rethrow_exception(failure);

  result.solution = shared.get();
  result.schedule = to_schedule(shop, result.solution, engine);
  if (result.schedule.makespan >= kForever)
    throw InputError("calendar", "no schedule fits the machine calendars: some machine down for good cannot take its "
                                 "share of the work before it goes down");
  result.value = objective_value(result.schedule, opts.objective);
  result.seconds = seconds_since(t0);
  result.seconds_to_best = shared.seconds_to_best();
  for (auto i : iterations) result.iterations += i;
  return result;
}

}  // namespace xinzhi::optimize
