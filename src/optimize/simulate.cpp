// Event-driven execution of fixed machine sequences with noise, random breakdowns and given failures.
#include "optimize/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::optimize {

namespace {

double t_quantile_975(int df) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                 2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= 0) return 0;
  if (df <= 30) return table[df];
  return 1.96 + 2.4 / df;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A machine's failures in one replication: [start, end) repair intervals, drawn lazily.
class FailureTimeline {
 public:
  FailureTimeline(std::uint64_t seed, double mtbf, double mttr) : rng_(seed), mtbf_(mtbf), mttr_(mttr) {}
  // The first repair interval ending after t (extends the timeline as needed).
  const std::pair<double, double>* next_after(double t) {
    if (mtbf_ <= 0) return nullptr;
    while (intervals_.empty() || intervals_.back().second <= t) {
      const double from = intervals_.empty() ? 0 : intervals_.back().second;
      const double up = std::exponential_distribution<double>(1 / mtbf_)(rng_);
      const double down = mttr_ > 0 ? std::exponential_distribution<double>(1 / mttr_)(rng_) : 0;
      intervals_.push_back({from + up, from + up + down});
    }
    auto it = std::upper_bound(intervals_.begin(), intervals_.end(), t,
                               [](double v, const std::pair<double, double>& w) { return v < w.second; });
    return &*it;
  }

 private:
  std::mt19937_64 rng_;
  double mtbf_, mttr_;
  std::vector<std::pair<double, double>> intervals_;
};

using Interval = std::pair<double, double>;  // [start, end) of a repair

// A machine's repairs in one replication: its random breakdowns and the given failures (sorted,
// disjoint). The two may overlap each other, so the answer is the earliest-starting repair that
// is not over by t, which can have started before t.
class MachineDowntime {
 public:
  MachineDowntime(FailureTimeline random, const std::vector<Interval>& given) : random_(std::move(random)), given_(&given) {}
  std::optional<Interval> next_after(double t) {
    const Interval* r = random_.next_after(t);
    auto g = std::upper_bound(given_->begin(), given_->end(), t, [](double v, const Interval& w) { return v < w.second; });
    if (g == given_->end()) return r ? std::optional<Interval>(*r) : std::nullopt;
    if (!r || g->first < r->first) return *g;
    return *r;
  }

 private:
  FailureTimeline random_;
  const std::vector<Interval>* given_;
};

// Earliest time >= t when a realised duration d fits before the next planned window.
double fit_planned(const std::vector<Window>& windows, double t, double d) {
  for (const auto& w : windows) {
    if (static_cast<double>(w.end) <= t) continue;
    if (static_cast<double>(w.start) >= t + d) return t;
    if (w.end >= kForever) return t;  // never fits: run anyway rather than stall (reported by tardiness)
    t = std::max(t, static_cast<double>(w.end));
  }
  return t;
}

void run_one(const Instance& inst, const FlatShop& shop, const Solution& sol, const std::vector<int>& topo,
             const std::vector<int>& mprev, const SimulationOptions& o, const std::vector<std::vector<Interval>>& given,
             int rep, double& makespan, double& tardiness, double& utilisation) {
  const std::uint64_t base = mix(o.seed, static_cast<std::uint64_t>(rep));
  // Noise per operation in job order: the same draws whatever the machines and order.
  std::vector<double> factor(shop.n, 1.0);
  if (o.noise_cv > 0) {
    std::mt19937_64 rng(mix(base, 1));
    const double s2 = std::log(1 + o.noise_cv * o.noise_cv);
    std::lognormal_distribution<double> dist(-s2 / 2, std::sqrt(s2));
    for (int i = 0; i < shop.n; ++i) factor[i] = dist(rng);
  }
  const double unit_hours = inst.minutes_per_unit / 60.0;
  std::vector<MachineDowntime> downtime;
  for (int m = 0; m < shop.machines; ++m)
    downtime.emplace_back(FailureTimeline(mix(base, 1000 + static_cast<std::uint64_t>(m)),
                                          o.mtbf_hours > 0 ? o.mtbf_hours / unit_hours : 0, o.mttr_hours / unit_hours),
                          given[m]);
  std::vector<double> end(shop.n, 0);
  double busy = 0;
  makespan = 0;
  for (int i : topo) {
    const int m = shop.machine(i, sol.assign[i]);
    const double d = static_cast<double>(shop.duration(i, sol.assign[i])) * factor[i];
    double t = static_cast<double>(shop.release[i]);
    if (shop.job_prev[i] >= 0) t = std::max(t, end[shop.job_prev[i]]);
    if (mprev[i] >= 0) t = std::max(t, end[mprev[i]]);
    // Start where the operation fits the planned calendar and the machine is not in repair.
    for (int guard = 0; guard < 1000000; ++guard) {
      t = fit_planned(inst.calendars[m], t, d);
      const auto f = downtime[m].next_after(t);
      if (f && f->first <= t) {
        t = f->second;
        continue;
      }
      break;
    }
    // Process; a failure interrupts and the operation resumes after the repair.
    double remaining = d, cur = t;
    while (remaining > 0) {
      const auto f = downtime[m].next_after(cur);
      if (!f || f->first >= cur + remaining) {
        cur += remaining;
        remaining = 0;
      } else {
        // A repair that overlaps the one just ended has begun before cur: no work meanwhile.
        remaining -= std::max(0.0, f->first - cur);
        cur = f->second;
      }
    }
    end[i] = cur;
    busy += d;
    makespan = std::max(makespan, cur);
  }
  tardiness = 0;
  for (int j = 0; j < shop.jobs; ++j) {
    const Job& job = inst.jobs[j];
    const double c = end[shop.first_op[j + 1] - 1];
    if (job.due < kForever && c > static_cast<double>(job.due)) tardiness += job.weight * (c - static_cast<double>(job.due));
  }
  utilisation = makespan > 0 && shop.machines > 0 ? busy / (makespan * shop.machines) : 0;
}

}  // namespace

Stat summarise(const std::vector<double>& v) {
  Stat s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / s.n;
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.stddev = s.n > 1 ? std::sqrt(ss / (s.n - 1)) : 0;
  const double half = s.n > 1 ? t_quantile_975(s.n - 1) * s.stddev / std::sqrt(static_cast<double>(s.n)) : 0;
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  // Makespans and tardiness are never negative, so neither is the mean's interval (a t interval
  // over a few runs with most at zero tardiness reached below zero in the report).
  if (std::all_of(v.begin(), v.end(), [](double x) { return x >= 0; })) s.ci_low = std::max(0.0, s.ci_low);
  return s;
}

SimulationReport simulate(const Instance& inst, const Schedule& schedule, const SimulationOptions& o) {
  return simulate(inst, schedule, o, {});
}

SimulationReport simulate(const Instance& inst, const Schedule& schedule, const SimulationOptions& o,
                          const std::vector<MachineFailure>& given_failures) {
  if (o.replications < 1) throw UsageError("--simulate needs at least one replication");
  if (o.noise_cv < 0 || o.mtbf_hours < 0 || o.mttr_hours < 0) throw UsageError("--noise, --mtbf and --mttr must not be negative");
  FlatShop shop(inst);
  const Solution sol = solution_of(shop, schedule);
  // A processing order consistent with jobs and machine sequences.
  std::vector<int> mprev(shop.n, -1), mnext(shop.n, -1), indeg(shop.n, 0), topo;
  for (const auto& s : sol.seq)
    for (std::size_t k = 1; k < s.size(); ++k) mprev[s[k]] = s[k - 1], mnext[s[k - 1]] = s[k];
  for (int i = 0; i < shop.n; ++i)
    if ((indeg[i] = (shop.job_prev[i] >= 0) + (mprev[i] >= 0)) == 0) topo.push_back(i);
  for (std::size_t h = 0; h < topo.size(); ++h)
    for (int s : {shop.job_next[topo[h]], mnext[topo[h]]})
      if (s >= 0 && --indeg[s] == 0) topo.push_back(s);
  if (static_cast<int>(topo.size()) != shop.n) throw InputError("", "the schedule's machine orders contradict its job orders");
  // Given failures per machine as sorted, merged repair intervals (zero-length repairs change nothing).
  std::vector<std::vector<Interval>> given(shop.machines);
  for (std::size_t k = 0; k < given_failures.size(); ++k) {
    const auto& f = given_failures[k];
    const std::string key = fmt::format("failures[{}]", k);
    if (f.machine < 0 || f.machine >= shop.machines)
      throw InputError(key, fmt::format("machine {} does not exist (the instance has {})", f.machine, shop.machines));
    if (f.repair < 0) throw InputError(key, fmt::format("repair time {} must not be negative", f.repair));
    if (f.repair > 0) given[f.machine].push_back({static_cast<double>(f.start), static_cast<double>(f.start + f.repair)});
  }
  for (auto& g : given) {
    std::sort(g.begin(), g.end());
    std::vector<Interval> merged;
    for (const auto& w : g)
      if (!merged.empty() && w.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, w.second);
      else
        merged.push_back(w);
    g = std::move(merged);
  }
  SimulationReport r;
  for (int rep = 0; rep < o.replications; ++rep) {
    double mk, td, ut;
    run_one(inst, shop, sol, topo, mprev, o, given, rep, mk, td, ut);
    r.makespan.push_back(mk);
    r.tardiness.push_back(td);
    r.utilisation.push_back(ut);
  }
  r.makespan_stat = summarise(r.makespan);
  r.tardiness_stat = summarise(r.tardiness);
  r.utilisation_stat = summarise(r.utilisation);
  return r;
}

SimulationComparison compare(const Instance& inst, const Schedule& a, const Schedule& b, const SimulationOptions& o) {
  SimulationComparison c;
  c.a = simulate(inst, a, o);
  c.b = simulate(inst, b, o);
  std::vector<double> dm, dt;
  for (std::size_t k = 0; k < c.a.makespan.size(); ++k) {
    dm.push_back(c.a.makespan[k] - c.b.makespan[k]);
    dt.push_back(c.a.tardiness[k] - c.b.tardiness[k]);
  }
  c.makespan_diff = summarise(dm);
  c.tardiness_diff = summarise(dt);
  return c;
}

}  // namespace xinzhi::optimize
