// Runs a pipeline file into a fresh run folder: runs/<name>-<time>/ with run.log, metrics.json,
// report.html and (by default) the run's own warehouse.db.
#pragma once

#include <filesystem>
#include <string>

namespace xinzhi::pipeline {

struct RunOptions {
  std::string runs_dir;  // overrides the pipeline file's runs_dir when set
};

struct RunResult {
  std::filesystem::path run_dir, report, metrics;
  bool ok = false;
};

// Throws the failing stage's error after writing the report and metrics of what did run.
RunResult run_pipeline(const std::string& pipeline_file, const RunOptions& options = {});

}  // namespace xinzhi::pipeline
