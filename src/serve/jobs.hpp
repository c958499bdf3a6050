// Pipeline runs started over HTTP: each job is `xinzhi run PIPELINE` as a child process (a run
// has its own log and folder, and a crash of a run is not a crash of the server), of one of the
// pipeline files the server was given (--pipeline FILE: nothing else can be run). Its state
// (running, ok, failed), exit code and the last lines of its output can be polled. Jobs are
// kept in memory: a restarted server knows the runs (the runs table), not the jobs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/time.hpp"

namespace xinzhi::serve {

class Jobs {
 public:
  // pipelines: files; each is known by its stem. work_dir: where the jobs' output goes.
  Jobs(const std::vector<std::string>& pipelines, std::string work_dir, int max_running = 1);
  ~Jobs();
  nlohmann::json pipelines() const;
  // Starts a job; throws ApiError 404 for an unknown pipeline, 409 when max_running are running.
  nlohmann::json start(const std::string& pipeline, const std::string& by);
  nlohmann::json list() const;
  nlohmann::json get(std::int64_t id) const;  // throws ApiError 404

 private:
  struct Job;
  nlohmann::json describe(const Job& j) const;
  std::map<std::string, std::string> pipelines_;  // name -> file
  std::string work_dir_;
  int max_running_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::shared_ptr<Job>> jobs_;
  std::int64_t next_ = 1;
};

}  // namespace xinzhi::serve
