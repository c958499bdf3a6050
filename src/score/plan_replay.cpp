#include "score/plan_replay.hpp"

#include <cmath>

#include "store/downtime_table.hpp"
#include "twin/truth.hpp"

namespace xinzhi::score {

PlanReplay replay_against_truth(store::Warehouse& wh, const optimize::PlanOptions& base, const std::string& twin_dir,
                                optimize::Time prevent_lead, const optimize::Schedule* in_hand) {
  optimize::PlanOptions opts = base;
  opts.downtime_kinds = {"planned"};
  const optimize::Instance inst = optimize::warehouse_instance(wh, opts);
  const double unit_ms = 60000.0 * inst.minutes_per_unit;
  auto at = [&](TimestampMs t) { return static_cast<optimize::Time>(std::floor(static_cast<double>(t - inst.origin_ms) / unit_ms)); };

  PlanReplay out;
  std::vector<optimize::MachineFailure> truth;
  for (const auto& f : twin::PlantTruth(twin_dir).failures()) {
    const int m = inst.machine_index(f.machine);
    if (m < 0 || f.end <= inst.origin_ms) continue;  // a machine no order uses, or over before the plan
    const optimize::Time start = std::max<optimize::Time>(0, at(f.start));
    truth.push_back({m, start, std::max<optimize::Time>(1, static_cast<optimize::Time>(std::ceil(static_cast<double>(f.end - inst.origin_ms) / unit_ms)) - start)});
  }
  out.true_failures = truth.size();
  std::vector<optimize::PreventiveWindow> predicted;
  for (const auto& w : store::read_downtime(wh.db(), {"predicted"})) {
    const int m = inst.machine_index(w.machine);
    if (m < 0 || !w.end) continue;
    const optimize::Time s = std::max<optimize::Time>(0, at(w.start));
    predicted.push_back({m, s, std::max<optimize::Time>(1, at(*w.end) - s)});
  }
  out.predicted_windows = predicted.size();
  optimize::ReplayOptions ro;
  ro.search = base.search;
  ro.simulation = base.simulation;
  ro.prevent_lead = prevent_lead;
  ro.in_hand = in_hand;
  out.comparison = optimize::replay_failures(inst, truth, predicted, ro);
  return out;
}

}  // namespace xinzhi::score
