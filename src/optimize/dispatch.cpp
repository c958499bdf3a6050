// Dispatching rules with a Giffler–Thompson style schedule generation.
#include "optimize/dispatch.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::optimize {

Rule parse_rule(const std::string& name) {
  std::string s;
  for (char c : name) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (Rule r : all_rules())
    if (rule_name(r) == s) return r;
  throw UsageError(fmt::format("unknown dispatching rule '{}' (FIFO, SPT, LPT, MWKR, EDD, ATC)", name));
}

std::string rule_name(Rule rule) {
  switch (rule) {
    case Rule::fifo: return "FIFO";
    case Rule::spt: return "SPT";
    case Rule::lpt: return "LPT";
    case Rule::mwkr: return "MWKR";
    case Rule::edd: return "EDD";
    case Rule::atc: return "ATC";
  }
  return "?";
}

std::vector<Rule> all_rules() { return {Rule::fifo, Rule::spt, Rule::lpt, Rule::mwkr, Rule::edd, Rule::atc}; }

Solution dispatch(const FlatShop& shop, Rule rule) {
  const Instance& inst = *shop.inst;
  Solution sol;
  sol.assign.assign(shop.n, 0);
  sol.seq.assign(shop.machines, {});
  std::vector<Time> job_ready(shop.jobs), mach_free(shop.machines, 0);
  std::vector<int> next(shop.jobs);
  std::vector<double> remaining(shop.jobs, 0);  // work left per job (shortest durations)
  double total_min = 0;
  for (int j = 0; j < shop.jobs; ++j) {
    job_ready[j] = inst.jobs[j].release;
    next[j] = shop.first_op[j];
    for (int i = shop.first_op[j]; i < shop.first_op[j + 1]; ++i) {
      Time d = kForever;
      for (int k = 0; k < shop.options(i); ++k) d = std::min(d, shop.duration(i, k));
      remaining[j] += static_cast<double>(d);
      total_min += static_cast<double>(d);
    }
  }
  const double mean_p = shop.n ? total_min / shop.n : 1;
  auto fit = [&](int i, int k, Time t) {
    const Time d = shop.duration(i, k);
    return shop.calendars ? earliest_fit(inst.calendars[shop.machine(i, k)], t, d) : t;
  };
  struct Cand {
    int job, op, opt;
    Time start, end;
  };
  std::vector<Cand> cands;
  for (int step = 0; step < shop.n; ++step) {
    cands.clear();
    for (int j = 0; j < shop.jobs; ++j) {
      if (next[j] >= shop.first_op[j + 1]) continue;
      const int i = next[j];
      Cand best{j, i, -1, 0, kForever};
      for (int k = 0; k < shop.options(i); ++k) {
        const Time s = fit(i, k, std::max(job_ready[j], mach_free[shop.machine(i, k)]));
        const Time e = s + shop.duration(i, k);
        if (best.opt < 0 || e < best.end || (e == best.end && shop.duration(i, k) < shop.duration(i, best.opt)))
          best = {j, i, k, s, e};
      }
      cands.push_back(best);
    }
    // The machine that can finish an operation first, and the operations competing for it.
    const Cand* first = &cands[0];
    for (const auto& c : cands)
      if (c.end < first->end) first = &c;
    const int m = shop.machine(first->op, first->opt);
    const Time horizon = first->end;
    const Cand* pick = nullptr;
    double pick_key = 0;
    for (const auto& c : cands) {
      // (The first finisher always competes: with zero durations its start equals the horizon.)
      if (shop.machine(c.op, c.opt) != m || (c.start >= horizon && &c != first)) continue;
      const Job& job = inst.jobs[c.job];
      const double p = static_cast<double>(shop.duration(c.op, c.opt));
      double key = 0;  // smaller is better
      switch (rule) {
        case Rule::fifo: key = static_cast<double>(job_ready[c.job]); break;
        case Rule::spt: key = p; break;
        case Rule::lpt: key = -p; break;
        case Rule::mwkr: key = -remaining[c.job]; break;
        case Rule::edd: key = job.due >= kForever ? 1e300 : static_cast<double>(job.due); break;
        case Rule::atc: {
          const double slack = job.due >= kForever ? 1e12 : static_cast<double>(job.due) - remaining[c.job] - c.start;
          key = -(job.weight / p) * std::exp(-std::max(0.0, slack) / (2.0 * mean_p));
          break;
        }
      }
      if (!pick || key < pick_key) pick = &c, pick_key = key;  // ties: lowest job index
    }
    const int i = pick->op, j = pick->job, k = pick->opt;
    sol.assign[i] = k;
    sol.seq[m].push_back(i);
    const Time s = pick->start;
    job_ready[j] = mach_free[m] = s + shop.duration(i, k);
    Time dmin = kForever;
    for (int a = 0; a < shop.options(i); ++a) dmin = std::min(dmin, shop.duration(i, a));
    remaining[j] -= static_cast<double>(dmin);
    ++next[j];
  }
  return sol;
}

}  // namespace xinzhi::optimize
