// Schedules: flat numbering, decoding a solution into times, JSON and CSV.
#include "optimize/schedule.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/time.hpp"

namespace xinzhi::optimize {

FlatShop::FlatShop(const Instance& instance) : inst(&instance) {
  machines = instance.machine_count();
  jobs = instance.job_count();
  calendars = instance.has_calendars();
  opt_begin.push_back(0);
  for (int j = 0; j < jobs; ++j) {
    const auto& job = instance.jobs[j];
    first_op.push_back(n);
    for (std::size_t k = 0; k < job.ops.size(); ++k) {
      job_of.push_back(j);
      index_in_job.push_back(static_cast<int>(k));
      job_prev.push_back(k == 0 ? -1 : n - 1);
      job_next.push_back(k + 1 == job.ops.size() ? -1 : n + 1);
      release.push_back(job.release);
      for (const auto& o : job.ops[k].options) {
        opt_machine.push_back(o.machine);
        opt_duration.push_back(o.duration);
      }
      opt_begin.push_back(static_cast<int>(opt_machine.size()));
      ++n;
    }
  }
  first_op.push_back(n);
}

int FlatShop::option_of(int op, int m) const {
  for (int k = opt_begin[op]; k < opt_begin[op + 1]; ++k)
    if (opt_machine[k] == m) return k - opt_begin[op];
  return -1;
}

bool decode(const FlatShop& shop, const Solution& sol, std::vector<Time>& start, std::vector<Time>& end) {
  const int n = shop.n;
  start.assign(n, 0);
  end.assign(n, 0);
  std::vector<int> mprev(n, -1), mnext(n, -1), indeg(n, 0), queue;
  queue.reserve(n);
  for (const auto& s : sol.seq)
    for (std::size_t i = 1; i < s.size(); ++i) {
      mprev[s[i]] = s[i - 1];
      mnext[s[i - 1]] = s[i];
    }
  for (int i = 0; i < n; ++i) {
    indeg[i] = (shop.job_prev[i] >= 0) + (mprev[i] >= 0);
    if (indeg[i] == 0) queue.push_back(i);
  }
  for (std::size_t h = 0; h < queue.size(); ++h) {
    const int i = queue[h];
    Time t = shop.release[i];
    if (shop.job_prev[i] >= 0) t = std::max(t, end[shop.job_prev[i]]);
    if (mprev[i] >= 0) t = std::max(t, end[mprev[i]]);
    const Time d = shop.duration(i, sol.assign[i]);
    if (shop.calendars) t = earliest_fit(shop.inst->calendars[shop.machine(i, sol.assign[i])], t, d);
    start[i] = t;
    end[i] = t + d;
    for (int s : {shop.job_next[i], mnext[i]})
      if (s >= 0 && --indeg[s] == 0) queue.push_back(s);
  }
  return static_cast<int>(queue.size()) == n;
}

Schedule to_schedule(const FlatShop& shop, const Solution& sol, const std::string& solver) {
  std::vector<Time> start, end;
  if (!decode(shop, sol, start, end)) throw InternalError("to_schedule: the machine sequences contain a cycle");
  Schedule s;
  s.instance = shop.inst->name;
  s.solver = solver;
  for (int i = 0; i < shop.n; ++i)
    s.ops.push_back({shop.job_of[i], shop.index_in_job[i], shop.machine(i, sol.assign[i]), start[i], end[i]});
  compute_objectives(*shop.inst, s);
  s.lower_bound = lower_bound(*shop.inst);
  return s;
}

Solution solution_of(const FlatShop& shop, const Schedule& schedule) {
  Solution sol;
  sol.assign.assign(shop.n, 0);
  sol.seq.assign(shop.machines, {});
  std::vector<std::pair<std::pair<Time, int>, int>> keyed;
  for (const auto& o : schedule.ops) {
    const int i = shop.first_op[o.job] + o.op;
    const int opt = shop.option_of(i, o.machine);
    if (opt < 0) throw InternalError("solution_of: machine not eligible (validate the schedule first)");
    sol.assign[i] = opt;
    keyed.push_back({{o.start, o.job}, i});
  }
  std::sort(keyed.begin(), keyed.end());
  for (const auto& [key, i] : keyed) sol.seq[shop.machine(i, sol.assign[i])].push_back(i);
  return sol;
}

double weighted_tardiness(const Instance& inst, const Schedule& s) {
  std::vector<Time> completion(inst.jobs.size(), 0);
  for (const auto& o : s.ops) completion[o.job] = std::max(completion[o.job], o.end);
  double twt = 0;
  for (std::size_t j = 0; j < inst.jobs.size(); ++j)
    if (inst.jobs[j].due < kForever && completion[j] > inst.jobs[j].due)
      twt += inst.jobs[j].weight * static_cast<double>(completion[j] - inst.jobs[j].due);
  return twt;
}

void compute_objectives(const Instance& inst, Schedule& s) {
  s.makespan = 0;
  for (const auto& o : s.ops) s.makespan = std::max(s.makespan, o.end);
  s.weighted_tardiness = weighted_tardiness(inst, s);
}

nlohmann::json schedule_to_json(const Instance& inst, const Schedule& s) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& o : s.ops) {
    nlohmann::json j = {{"job", inst.jobs[o.job].name}, {"op", o.op},       {"machine", inst.machines[o.machine]},
                        {"start", o.start},             {"end", o.end}};
    if (inst.origin_ms != 0) {
      j["start_time"] = format_iso8601(inst.origin_ms + static_cast<std::int64_t>(o.start * inst.minutes_per_unit * 60000));
      j["end_time"] = format_iso8601(inst.origin_ms + static_cast<std::int64_t>(o.end * inst.minutes_per_unit * 60000));
    }
    ops.push_back(std::move(j));
  }
  nlohmann::json out = {{"instance", s.instance},
                        {"solver", s.solver},
                        {"makespan", s.makespan},
                        {"total_weighted_tardiness", s.weighted_tardiness},
                        {"lower_bound", s.lower_bound},
                        {"machines", inst.machines},
                        {"operations", std::move(ops)}};
  if (inst.origin_ms != 0) out["origin"] = format_iso8601(inst.origin_ms);
  return out;
}

std::string schedule_to_csv(const Instance& inst, const Schedule& s) {
  std::string out = inst.origin_ms != 0 ? "job,op,machine,start,end,start_time,end_time\n" : "job,op,machine,start,end\n";
  for (const auto& o : s.ops) {
    out += fmt::format("{},{},{},{},{}", inst.jobs[o.job].name, o.op, inst.machines[o.machine], o.start, o.end);
    if (inst.origin_ms != 0)
      out += fmt::format(",{},{}", format_iso8601(inst.origin_ms + static_cast<std::int64_t>(o.start * inst.minutes_per_unit * 60000)),
                         format_iso8601(inst.origin_ms + static_cast<std::int64_t>(o.end * inst.minutes_per_unit * 60000)));
    out += "\n";
  }
  return out;
}

Schedule schedule_from_json(const Instance& inst, const std::string& path) {
  const std::string text = read_file(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, fmt::format("not valid JSON: {}", e.what()));
  }
  if (!j.is_object() || !j.contains("operations") || !j["operations"].is_array())
    throw InputError(path + ": operations", "a schedule needs an 'operations' list");
  Schedule s;
  s.instance = j.value("instance", inst.name);
  s.solver = j.value("solver", "");
  std::size_t k = 0;
  for (const auto& o : j["operations"]) {
    const std::string where = fmt::format("{}: operations[{}]", path, k++);
    auto field = [&](const char* key) -> const nlohmann::json& {
      if (!o.is_object() || !o.contains(key)) throw InputError(where, fmt::format("missing '{}'", key));
      return o[key];
    };
    ScheduledOp op;
    const auto& job = field("job");
    op.job = -1;
    if (job.is_string()) {
      for (int i = 0; i < inst.job_count(); ++i)
        if (inst.jobs[i].name == job.get<std::string>()) op.job = i;
    } else if (job.is_number_integer()) {
      op.job = job.get<int>();
    }
    if (op.job < 0 || op.job >= inst.job_count()) throw InputError(where + ".job", fmt::format("unknown job {}", job.dump()));
    const auto& opn = field("op");
    if (!opn.is_number_integer() || opn.get<int>() < 0 || opn.get<int>() >= static_cast<int>(inst.jobs[op.job].ops.size()))
      throw InputError(where + ".op", fmt::format("job {} has no operation {}", inst.jobs[op.job].name, opn.dump()));
    op.op = opn.get<int>();
    const auto& m = field("machine");
    op.machine = m.is_string() ? inst.machine_index(m.get<std::string>()) : (m.is_number_integer() ? m.get<int>() : -1);
    if (op.machine < 0 || op.machine >= inst.machine_count())
      throw InputError(where + ".machine", fmt::format("unknown machine {}", m.dump()));
    for (const char* key : {"start", "end"})
      if (!field(key).is_number_integer()) throw InputError(where + "." + key, "expected a whole number");
    op.start = o["start"].get<Time>();
    op.end = o["end"].get<Time>();
    s.ops.push_back(op);
  }
  compute_objectives(inst, s);
  s.lower_bound = lower_bound(inst);
  return s;
}

}  // namespace xinzhi::optimize
