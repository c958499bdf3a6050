// report.html of a run: an overview (stages, timings, volumes) and one section per stage,
// self-contained (inline CSS and SVG) so it can be mailed or archived as one file.
#pragma once

#include <string>
#include <vector>

namespace xinzhi::pipeline {

struct StageRecord {
  std::string name, title, status, summary, html, error;
  double seconds = 0;
};

struct RunRecord {
  std::string pipeline, run_dir, started, finished, status;
  std::string dashboard;  // the run's dashboard file beside the report ("" when none was written)
  double seconds = 0;
  std::vector<StageRecord> stages;
};

std::string render_report(const RunRecord& run);

}  // namespace xinzhi::pipeline
