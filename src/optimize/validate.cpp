// Independent schedule checks (deliberately does not reuse the decoder or the search).
#include "optimize/validate.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace xinzhi::optimize {

std::string ValidationReport::summary() const {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  if (problem_count > problems.size()) out += fmt::format("... and {} more\n", problem_count - problems.size());
  return out;
}

ValidationReport validate(const Instance& inst, const Schedule& s) {
  ValidationReport r;
  auto problem = [&](std::string text) {
    if (r.problems.size() < 50) r.problems.push_back(std::move(text));
    ++r.problem_count;
  };
  // Completeness: every operation exactly once.
  std::vector<std::vector<const ScheduledOp*>> by_job(inst.jobs.size());
  for (std::size_t j = 0; j < inst.jobs.size(); ++j) by_job[j].assign(inst.jobs[j].ops.size(), nullptr);
  for (const auto& o : s.ops) {
    if (o.job < 0 || o.job >= inst.job_count() || o.op < 0 || o.op >= static_cast<int>(inst.jobs[o.job].ops.size())) {
      problem(fmt::format("operation (job {}, op {}) does not exist", o.job, o.op));
      continue;
    }
    const std::string name = fmt::format("{} op {}", inst.jobs[o.job].name, o.op);
    if (by_job[o.job][o.op]) problem(fmt::format("{} is scheduled twice", name));
    by_job[o.job][o.op] = &o;
    if (o.machine < 0 || o.machine >= inst.machine_count()) {
      problem(fmt::format("{} is on machine {} which does not exist", name, o.machine));
      continue;
    }
    const Option* opt = nullptr;
    for (const auto& e : inst.jobs[o.job].ops[o.op].options)
      if (e.machine == o.machine) opt = &e;
    if (!opt) {
      problem(fmt::format("{} is on {}, which is not eligible for it", name, inst.machines[o.machine]));
      continue;
    }
    if (o.end - o.start != opt->duration)
      problem(fmt::format("{} lasts {} on {} but its duration there is {}", name, o.end - o.start,
                          inst.machines[o.machine], opt->duration));
    if (o.start < inst.jobs[o.job].release)
      problem(fmt::format("{} starts at {} before its job's release {}", name, o.start, inst.jobs[o.job].release));
    for (const auto& w : inst.calendars[o.machine])
      if (o.start < w.end && w.start < o.end)
        problem(fmt::format("{} runs [{}, {}) on {} during its unavailable window [{}, {}) ({})", name, o.start, o.end,
                            inst.machines[o.machine], w.start, w.end >= kForever ? std::string("forever") : std::to_string(w.end),
                            w.kind));
  }
  for (std::size_t j = 0; j < inst.jobs.size(); ++j)
    for (std::size_t k = 0; k < by_job[j].size(); ++k) {
      if (!by_job[j][k]) {
        problem(fmt::format("{} op {} is missing", inst.jobs[j].name, k));
        continue;
      }
      if (k > 0 && by_job[j][k - 1] && by_job[j][k - 1]->end > by_job[j][k]->start)
        problem(fmt::format("{} op {} starts at {} before op {} ends at {}", inst.jobs[j].name, k, by_job[j][k]->start,
                            k - 1, by_job[j][k - 1]->end));
    }
  // One operation per machine at a time.
  std::vector<std::vector<const ScheduledOp*>> by_machine(inst.machines.size());
  for (const auto& o : s.ops)
    if (o.machine >= 0 && o.machine < inst.machine_count()) by_machine[o.machine].push_back(&o);
  for (std::size_t m = 0; m < by_machine.size(); ++m) {
    auto& v = by_machine[m];
    std::sort(v.begin(), v.end(), [](const ScheduledOp* a, const ScheduledOp* b) { return a->start < b->start; });
    for (std::size_t i = 1; i < v.size(); ++i)
      if (v[i - 1]->end > v[i]->start)
        problem(fmt::format("{} runs {} op {} [{}, {}) and {} op {} [{}, {}) at the same time", inst.machines[m],
                            inst.jobs[v[i - 1]->job].name, v[i - 1]->op, v[i - 1]->start, v[i - 1]->end,
                            inst.jobs[v[i]->job].name, v[i]->op, v[i]->start, v[i]->end));
  }
  return r;
}

}  // namespace xinzhi::optimize
