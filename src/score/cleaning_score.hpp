// Scores a cleaning against a simulated plant's truth, read through the twin's one reader
// (twin/truth.hpp): the defects the twin injected against what the cleaning found, as
// precision and recall per defect kind, and the true signal against imputed values, as MAE per
// sensor and imputation method. A consumer of the cleaning's results: the cleaning knows
// nothing of it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clean/cleaner.hpp"
#include "twin/truth.hpp"

namespace xinzhi::score {

using clean::CleaningWork;
using clean::ImputeMethod;
using clean::PreparedClean;
using clean::Rules;

struct DefectScore {
  std::string kind;
  std::int64_t truth = 0, found = 0;
  std::int64_t truth_matched = 0, found_matched = 0;  // truth items found; found items that are true
  double precision() const { return found ? static_cast<double>(found_matched) / static_cast<double>(found) : 1.0; }
  double recall() const { return truth ? static_cast<double>(truth_matched) / static_cast<double>(truth) : 1.0; }
};

struct ImputeScore {
  std::string sensor, method;
  std::int64_t points = 0;
  double mae = 0;
};

struct TruthScore {
  std::vector<DefectScore> defects;
  std::vector<ImputeScore> imputation;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

// A defect item: what, where and when, in the landing clock (the gateway's own, skew included),
// over [ts, end] (end = ts for one sample). Empty machine/sensor = the whole gateway/machine.
struct DefectItem {
  std::string kind, gateway, machine, sensor;
  TimestampMs ts = 0, end = 0;
};

// The truth's defects as items in the landing clock: each gateway's clock offset added.
std::vector<DefectItem> truth_items(const twin::PlantTruth& truth);

// Matches found against truth per kind: same gateway/machine/sensor as far as the truth names
// them, and time spans that meet within tolerance_ms. Each truth item matches one found item at
// most, and the other way round, for point kinds.
std::vector<DefectScore> score_defects(const std::vector<DefectItem>& truth, const std::vector<DefectItem>& found,
                                       std::int64_t tolerance_ms);

// Finishes the prepared cleaning once per method (all sensors imputed by that method; the steps
// before imputation are the same for every method, so they run once) and compares the imputed
// values with the truth signal at the same machine, sensor and true time (nearest within
// tolerance_ms). true_offset: per machine, landing minus true time (the gateway's clock skew).
std::vector<ImputeScore> score_imputation(const PreparedClean& prepared, const Rules& rules,
                                          const twin::PlantTruth& truth, std::int64_t tolerance_ms,
                                          const std::vector<ImputeMethod>& methods,
                                          const std::map<std::string, std::int64_t>& true_offset);

// Everything, from the warehouse's readings and a simulated plant's folder (with truth/ and
// plant.json) or its truth/ folder. work: run_cleaning's kept work with the same rules (nullptr:
// read and clean the warehouse's readings here).
TruthScore score_against_truth(store::Warehouse& warehouse, const Rules& rules, const std::string& truth_dir,
                               std::int64_t tolerance_ms = 1000, const CleaningWork* work = nullptr);

}  // namespace xinzhi::score
