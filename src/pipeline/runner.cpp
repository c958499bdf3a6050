#include "pipeline/runner.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "core/fs.hpp"
#include "core/logging.hpp"
#include "core/time.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "pipeline/report.hpp"
#include "serve/snapshot.hpp"

namespace xinzhi::pipeline {

namespace fs = std::filesystem;

namespace {

fs::path make_run_dir(const fs::path& runs_dir, const std::string& name) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::error_code ec;
  fs::create_directories(runs_dir, ec);
  if (ec) throw InputError(runs_dir.string(), "cannot create the runs folder: " + ec.message());
  fs::path dir = runs_dir / fmt::format("{}-{}", name, stamp);
  for (int k = 2; fs::exists(dir); ++k) dir = runs_dir / fmt::format("{}-{}-{}", name, stamp, k);
  fs::create_directory(dir);
  return dir;
}


}  // namespace

RunResult run_pipeline(const std::string& pipeline_file, const RunOptions& options) {
  PipelineSpec spec = load_pipeline(pipeline_file);  // every setting checked before anything runs
  // --runs-dir is relative to where the user stands; runs_dir in the file to the file itself.
  const fs::path runs_dir = !options.runs_dir.empty() ? fs::path(options.runs_dir)
                            : spec.runs_dir_from_file ? (spec.dir / spec.runs_dir).lexically_normal()
                                                      : fs::path(spec.runs_dir);
  RunResult result;
  result.run_dir = fs::absolute(make_run_dir(runs_dir, spec.name));
  result.report = result.run_dir / "report.html";
  result.metrics = result.run_dir / "metrics.json";
  add_log_file((result.run_dir / "run.log").string());
  struct LogFileGuard {
    ~LogFileGuard() { remove_log_files(); }
  } log_guard;

  const auto t0 = std::chrono::steady_clock::now();
  RunRecord record;
  record.pipeline = spec.name;
  record.run_dir = result.run_dir.string();
  record.started = format_iso8601(now_ms());
  spdlog::info("run {}: {} stage(s) into {}", spec.name, spec.stages.size(), result.run_dir.string());

  const fs::path wh_path = spec.warehouse == "run" ? result.run_dir / "warehouse.db" : spec.dir / spec.warehouse;
  store::Warehouse warehouse(wh_path.string());
  const std::int64_t run_id = warehouse.begin_run(spec.name, result.run_dir.string());

  RunContext context;
  context.run_dir = result.run_dir;
  context.pipeline_dir = spec.dir;
  context.warehouse = &warehouse;
  context.seed = spec.seed;

  nlohmann::json metrics = {{"pipeline", spec.name}, {"run_dir", result.run_dir.string()},
                            {"warehouse", wh_path.string()}, {"started", record.started}, {"stages", nlohmann::json::array()}};
  std::exception_ptr failure;
  for (auto& stage : spec.stages) {
    StageRecord sr{stage->name(), stage->title(), "skipped", "", "", "", 0};
    if (failure) {
      sr.summary = "not run: an earlier stage failed";
      record.stages.push_back(sr);
      continue;
    }
    spdlog::info("stage {}: start", stage->name());
    const auto ts = std::chrono::steady_clock::now();
    nlohmann::json stage_metrics;
    try {
      StageResult r = stage->run(context);
      sr.status = "ok";
      sr.summary = r.summary;
      sr.html = std::move(r.html);
      stage_metrics = std::move(r.metrics);
    } catch (const std::exception& e) {
      failure = std::current_exception();
      sr.status = "failed";
      sr.error = e.what();
      spdlog::error("stage {}: failed: {}", stage->name(), e.what());
    }
    sr.seconds = seconds_since(ts);
    if (sr.status == "ok") spdlog::info("stage {}: done in {:.2f} s: {}", stage->name(), sr.seconds, sr.summary);
    metrics["stages"].push_back({{"name", sr.name}, {"status", sr.status}, {"seconds", sr.seconds},
                                 {"metrics", stage_metrics.is_null() ? nlohmann::json::object() : stage_metrics},
                                 {"error", sr.error}});
    record.stages.push_back(std::move(sr));
  }
  record.seconds = seconds_since(t0);
  record.status = failure ? "failed" : "ok";
  record.finished = format_iso8601(now_ms());
  metrics["finished"] = record.finished;
  metrics["seconds"] = record.seconds;
  metrics["status"] = record.status;
  write_file_atomic(result.metrics.string(), metrics.dump(2) + "\n");
  // The run's warehouse as the dashboard shows it, in one file beside the report (the same views
  // as `xinzhi serve`, drawn by the same code).
  const std::string web = serve::installed_dashboard_dir();
  if (web.empty()) {
    spdlog::warn("run: no dashboard was built next to the binary: dashboard.html is not written");
  } else {
    try {
      write_file_atomic((result.run_dir / "dashboard.html").string(), serve::dashboard_snapshot(wh_path.string(), web));
      record.dashboard = "dashboard.html";
    } catch (const std::exception& e) {
      spdlog::warn("run: dashboard.html could not be written: {}", e.what());
    }
  }
  write_file_atomic(result.report.string(), render_report(record));
  warehouse.end_run(run_id, record.status, metrics.dump());
  spdlog::info("run {}: {} in {:.1f} s; report {}", spec.name, record.status, record.seconds, result.report.string());
  if (failure) std::rethrow_exception(failure);
  result.ok = true;
  return result;
}

}  // namespace xinzhi::pipeline
