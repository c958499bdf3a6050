// `xinzhi run PIPELINE.yaml`: run a pipeline's stages into a fresh run folder.
#include <iostream>

#include "cli/commands.hpp"
#include "pipeline/runner.hpp"

namespace xinzhi::cli {

void add_run_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto options = std::make_shared<pipeline::RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a pipeline file's stages in order into runs/<name>-<time>/\n(run.log, metrics.json, report.html, warehouse.db)");
  cmd->add_option("pipeline", *file, "Pipeline YAML file, e.g. examples/smart-factory/pipeline.yaml")->required();
  cmd->add_option("--runs-dir", options->runs_dir, "Folder for run folders (default: the pipeline's runs_dir, else ./runs)");
  cmd->callback([file, options] {
    const auto r = pipeline::run_pipeline(*file, *options);
    std::cout << "report: " << r.report.string() << "\n";
  });
}

}  // namespace xinzhi::cli
