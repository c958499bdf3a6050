#include "serve/jobs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "serve/api_context.hpp"

namespace xinzhi::serve {

namespace fs = std::filesystem;

struct Jobs::Job {
  std::int64_t id = 0;
  std::string pipeline, by, log;
  pid_t pid = -1;
  TimestampMs started = 0, finished = 0;
  int exit_code = -1;
  bool done = false;
  std::thread reaper;
};

Jobs::Jobs(const std::vector<std::string>& pipelines, std::string work_dir, int max_running)
    : work_dir_(std::move(work_dir)), max_running_(max_running) {
  for (const auto& p : pipelines) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) throw InputError("--pipeline", p + " is not a file");
    const std::string name = fs::path(p).stem().string();
    if (pipelines_.count(name)) throw InputError("--pipeline", "two pipelines are named '" + name + "'");
    pipelines_[name] = fs::absolute(p).string();
  }
  if (!pipelines_.empty()) fs::create_directories(work_dir_);
}

Jobs::~Jobs() {
  std::vector<std::shared_ptr<Job>> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, j] : jobs_) {
      if (!j->done && j->pid > 0) ::kill(j->pid, SIGTERM);  // the run stops; its report says how far it came
      all.push_back(j);
    }
  }
  // Joined without the lock: a reaper takes it to record its job's end.
  for (auto& j : all)
    if (j->reaper.joinable()) j->reaper.join();
}

nlohmann::json Jobs::pipelines() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, file] : pipelines_) out.push_back({{"name", name}, {"file", file}});
  return out;
}

nlohmann::json Jobs::start(const std::string& pipeline, const std::string& by) {
  const auto p = pipelines_.find(pipeline);
  if (p == pipelines_.end())
    throw ApiError{404, "pipeline", pipelines_.empty() ? "the server was started without pipelines (--pipeline FILE)"
                                                        : "no pipeline named '" + pipeline + "' (GET /api/v1/pipelines)"};
  std::lock_guard<std::mutex> lock(mutex_);
  int running = 0;
  for (const auto& [id, j] : jobs_) running += j->done ? 0 : 1;
  if (running >= max_running_) throw ApiError{409, "pipeline", fmt::format("{} job(s) running already: wait for it", running)};
  auto j = std::make_shared<Job>();
  j->id = next_++;
  j->pipeline = pipeline;
  j->by = by;
  j->log = (fs::path(work_dir_) / fmt::format("job-{}.log", j->id)).string();
  j->started = now_ms();
  std::error_code ec;
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  const pid_t pid = ::fork();
  if (pid < 0) throw ApiError{500, "", "the job could not be started (fork failed)"};
  if (pid == 0) {
    const int fd = ::open(j->log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execl(self.c_str(), self.c_str(), "run", p->second.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  j->pid = pid;
  Job* raw = j.get();
  j->reaper = std::thread([this, raw] {
    int status = 0;
    ::waitpid(raw->pid, &status, 0);
    std::lock_guard<std::mutex> lock(mutex_);
    raw->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    raw->finished = now_ms();
    raw->done = true;
  });
  jobs_[j->id] = j;
  return describe(*j);
}

nlohmann::json Jobs::describe(const Job& j) const {
  // The last lines of its output: the run's progress while it runs, its error when it failed.
  std::vector<std::string> tail;
  std::ifstream in(j.log);
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line.size() > 500 ? line.substr(0, 500) + "..." : line);
    if (tail.size() > 20) tail.erase(tail.begin());
  }
  std::string report;
  for (const auto& l : tail)
    if (l.rfind("report: ", 0) == 0) report = l.substr(8);
  return {{"id", j.id},
          {"pipeline", j.pipeline},
          {"started_by", j.by},
          {"state", !j.done ? "running" : j.exit_code == 0 ? "ok" : "failed"},
          {"exit_code", j.done ? nlohmann::json(j.exit_code) : nlohmann::json(nullptr)},
          {"started_ms", j.started},
          {"finished_ms", j.done ? nlohmann::json(j.finished) : nlohmann::json(nullptr)},
          {"report", report.empty() ? nlohmann::json(nullptr) : nlohmann::json(report)},
          {"output_tail", tail}};
}

nlohmann::json Jobs::list() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, j] : jobs_) out.push_back(describe(*j));
  return out;
}

nlohmann::json Jobs::get(std::int64_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) throw ApiError{404, "id", "no job has id " + std::to_string(id)};
  return describe(*it->second);
}

}  // namespace xinzhi::serve
