// A pipeline stage: reads its settings from the pipeline file, does its work against the run's
// warehouse and folder, and leaves figures for metrics.json and a section for report.html.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::pipeline {

// What the stages of one run share.
struct RunContext {
  std::filesystem::path run_dir;        // runs/<name>-<time>/
  std::filesystem::path pipeline_dir;   // folder of the pipeline file: relative paths start here
  store::Warehouse* warehouse = nullptr;
  std::uint64_t seed = 42;              // the pipeline's seed, for stages that do not set their own
  // Values a stage publishes for later ones, e.g. "twin_dir" -> the simulated plant's folder.
  std::map<std::string, std::string> outputs;

  // A path from the pipeline file, resolved against the pipeline's folder.
  std::filesystem::path resolve(const std::string& path) const;
};

struct StageResult {
  nlohmann::json metrics = nlohmann::json::object();  // this stage's figures in metrics.json
  std::string summary;                                 // one line for the log and the overview
  std::string html;                                    // this stage's section body in report.html
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string name() const = 0;
  virtual std::string title() const = 0;  // the report section's heading
  virtual StageResult run(RunContext& context) = 0;
};

// Builds a stage from its settings (the map under the stage's name in the pipeline file).
// The factory reads every setting it knows and calls finish(), so misspelt keys are refused
// before anything runs.
using StageFactory = std::function<std::unique_ptr<Stage>(const ConfigNode& settings)>;

// The stages this build knows, by name, in the order a pipeline usually lists them.
const std::vector<std::pair<std::string, StageFactory>>& stage_registry();

}  // namespace xinzhi::pipeline
