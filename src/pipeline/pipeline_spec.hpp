// A pipeline file: its name, where its runs and warehouse go, and the stages to run in order.
//
//   name: smart-factory
//   seed: 42
//   runs_dir: ../../runs          # relative to this file; default: runs/ in the current folder
//   warehouse: run                # "run": a fresh warehouse.db in the run folder; or a file path
//   stages:
//     - simulate: {plant: plant.yaml, days: 7}
//     - ingest: {}
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pipeline/stage.hpp"

namespace xinzhi::pipeline {

struct PipelineSpec {
  std::string name;
  std::string file;                 // the pipeline file as given
  std::filesystem::path dir;        // its folder
  std::string runs_dir = "runs";    // default: ./runs; from the file: relative to the file's folder
  bool runs_dir_from_file = false;
  std::string warehouse = "run";
  std::uint64_t seed = 42;
  std::vector<std::unique_ptr<Stage>> stages;
};

// Reads and checks the whole file (every stage's settings) before anything runs.
PipelineSpec load_pipeline(const std::string& path);

}  // namespace xinzhi::pipeline
