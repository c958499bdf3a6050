// Production orders to a shop instance, and plan_orders().
#include "optimize/plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "optimize/gantt.hpp"
#include "optimize/validate.hpp"
#include "store/serving_tables.hpp"

namespace xinzhi::optimize {

Instance instance_from_orders(const std::vector<store::ProductionOrder>& orders, std::int64_t origin_ms) {
  if (orders.empty()) throw InputError("production_orders", "the warehouse holds no production orders");
  Instance inst;
  inst.name = "orders";
  if (origin_ms == 0) {
    origin_ms = orders.front().release_ms;
    for (const auto& o : orders) origin_ms = std::min(origin_ms, o.release_ms);
  }
  inst.origin_ms = origin_ms;
  std::map<std::string, int> machines;
  for (const auto& o : orders)
    for (const auto& op : o.operations)
      for (const auto& e : op.eligible) machines.emplace(e.machine, 0);
  for (auto& [name, index] : machines) {
    index = static_cast<int>(inst.machines.size());
    inst.machines.push_back(name);
  }
  inst.calendars.assign(inst.machines.size(), {});
  auto minutes = [&](std::int64_t ms) { return static_cast<Time>(std::floor(static_cast<double>(ms - origin_ms) / 60000.0)); };
  for (const auto& o : orders) {
    const std::string key = fmt::format("orders[{}]", o.order_id);
    if (o.operations.empty()) throw InputError(key, "the order has no operations");
    Job job;
    job.name = o.order_id;
    job.release = std::max<Time>(0, minutes(o.release_ms));
    job.due = o.due_ms > 0 ? minutes(o.due_ms) : kForever;
    job.weight = o.weight;
    if (!(o.weight >= 0)) throw InputError(key + ".weight", fmt::format("weight {} must not be negative", o.weight));
    for (std::size_t k = 0; k < o.operations.size(); ++k) {
      const std::string opkey = fmt::format("{}.operations[{}]", key, k);
      Operation op;
      op.place = opkey;
      if (o.operations[k].eligible.empty()) throw InputError(opkey, "the operation has no eligible machine");
      for (std::size_t e = 0; e < o.operations[k].eligible.size(); ++e) {
        const auto& opt = o.operations[k].eligible[e];
        if (!(opt.minutes > 0))
          throw InputError(fmt::format("{}.eligible[{}].minutes", opkey, e),
                           fmt::format("duration {} minutes on {} must be positive", opt.minutes, opt.machine));
        op.options.push_back({machines.at(opt.machine), std::max<Time>(1, static_cast<Time>(std::ceil(opt.minutes - 1e-9)))});
      }
      job.ops.push_back(std::move(op));
    }
    inst.jobs.push_back(std::move(job));
  }
  return inst;
}

void add_downtime(Instance& inst, const std::vector<store::DowntimeWindow>& windows) {
  for (std::size_t k = 0; k < windows.size(); ++k) {
    const auto& d = windows[k];
    const std::string key = fmt::format("downtime[{}]", k);
    const int m = inst.machine_index(d.machine);
    if (m < 0) continue;  // downtime of a machine no order uses cannot matter
    Window w;
    w.start = static_cast<Time>(std::floor(static_cast<double>(d.start - inst.origin_ms) / 60000.0 / inst.minutes_per_unit));
    w.end = !d.end ? kForever
                   : static_cast<Time>(std::ceil(static_cast<double>(*d.end - inst.origin_ms) / 60000.0 / inst.minutes_per_unit));
    if (w.end <= w.start) throw InputError(key, "downtime ends before it starts");
    w.kind = d.kind;
    w.place = key;
    inst.calendars[m].push_back(w);
  }
  finish_calendars(inst);
}

PlanResult plan_instance(Instance instance, const PlanOptions& options) {
  PlanResult r;
  r.instance = std::move(instance);
  r.search = solve(r.instance, options.search);
  r.schedule = r.search.schedule;
  FlatShop shop(r.instance);
  r.fifo = to_schedule(shop, dispatch(shop, Rule::fifo), "rule:FIFO");
  for (const Schedule* s : {&r.schedule, &r.fifo}) {
    auto report = validate(r.instance, *s);
    if (!report.ok()) throw InternalError("plan failed validation: " + report.summary());
  }
  r.comparison = compare(r.instance, r.schedule, r.fifo, options.simulation);
  r.svg = gantt_svg(r.instance, r.schedule);
  return r;
}

Instance warehouse_instance(store::Warehouse& warehouse, const PlanOptions& options,
                            std::map<std::string, std::size_t>* by_kind) {
  const auto orders = warehouse.orders();
  Instance inst = instance_from_orders(orders, options.origin_ms);
  if (options.backlog)
    for (std::size_t j = 0; j < inst.jobs.size(); ++j) {
      auto& job = inst.jobs[j];
      job.release = 0;
      // Planned from a given start, each order of the backlog is due its usual lead time (due
      // less release) after the start, not at a date that may lie before it.
      if (options.origin_ms != 0 && orders[j].due_ms > 0)
        job.due = static_cast<Time>(std::floor(static_cast<double>(orders[j].due_ms - orders[j].release_ms) / 60000.0));
    }
  const auto downtime = store::read_downtime(warehouse.db(), options.downtime_kinds);
  add_downtime(inst, downtime);
  if (by_kind)
    for (const auto& d : downtime) ++(*by_kind)[d.kind];
  return inst;
}

PlanResult plan_orders(store::Warehouse& warehouse, const PlanOptions& options) {
  std::map<std::string, std::size_t> by_kind;
  Instance inst = warehouse_instance(warehouse, options, &by_kind);
  PlanResult r = plan_instance(std::move(inst), options);
  r.downtime_by_kind = std::move(by_kind);
  // The plan goes into the warehouse, where the server and other tools find it.
  store_plan(warehouse, r.instance, r.schedule, &r.fifo, options.search.objective);
  return r;
}

std::int64_t store_plan(store::Warehouse& warehouse, const Instance& inst, const Schedule& plan, const Schedule* fifo,
                        Objective objective) {
  const auto ms = [&](Time t) {
    return inst.origin_ms + static_cast<std::int64_t>(std::llround(static_cast<double>(t) * inst.minutes_per_unit * 60000.0));
  };
  store::StoredSchedule st;
  st.origin_ms = inst.origin_ms;
  st.objective = objective == Objective::makespan ? "makespan" : "weighted_tardiness";
  st.makespan_ms = ms(plan.makespan) - inst.origin_ms;
  st.weighted_tardiness = plan.weighted_tardiness;
  if (fifo) {
    st.fifo_makespan_ms = ms(fifo->makespan) - inst.origin_ms;
    st.fifo_weighted_tardiness = fifo->weighted_tardiness;
  }
  for (const auto& o : plan.ops) {
    const Job& job = inst.jobs[static_cast<std::size_t>(o.job)];
    st.ops.push_back({job.name, inst.machines[static_cast<std::size_t>(o.machine)], o.op, ms(o.start), ms(o.end),
                      job.due == kForever ? std::nullopt : std::optional<TimestampMs>(ms(job.due)), job.weight});
  }
  return store::write_schedule(warehouse.db(), st, now_ms());
}

}  // namespace xinzhi::optimize
