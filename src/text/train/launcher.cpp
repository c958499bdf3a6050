#include "text/train/launcher.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::text {

namespace {

std::string describe(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "stopped";
}

bool failed(int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; }

}  // namespace

WorkerLauncher::WorkerLauncher(int nproc, int port, const std::vector<std::string>& args) {
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) throw InternalError("--nproc: cannot find this program's executable (/proc/self/exe)");
  exe[n] = '\0';
  const pid_t parent = getpid();
  for (int rank = 1; rank < nproc; ++rank) {
    // Everything the child needs is built before fork: between fork and exec only
    // async-signal-safe calls are allowed.
    std::vector<std::string> a = args;
    if (a.empty()) a.push_back(exe);
    for (const std::string& s : {std::string("--rank"), std::to_string(rank), std::string("--world-size"),
                                 std::to_string(nproc), std::string("--master-addr"), std::string("127.0.0.1"),
                                 std::string("--master-port"), std::to_string(port)})
      a.push_back(s);
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);  // no buffered output duplicated into the child
    const pid_t pid = fork();
    if (pid < 0) {
      stop_all();
      throw InternalError(fmt::format("--nproc: cannot start worker rank {}: {}", rank, std::strerror(errno)));
    }
    if (pid == 0) {
      // The worker dies with rank 0 (even a SIGKILLed one) instead of waiting for it.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
#ifdef SYS_close_range
      syscall(SYS_close_range, 3U, ~0U, 0U);  // not rank 0's store socket and other files
#endif
      execv(exe, argv.data());
      const char msg[] = "xinzhi: error: --nproc: cannot execute a worker\n";
      (void)!write(2, msg, sizeof msg - 1);
      _exit(127);
    }
    workers_.push_back({rank, pid, false, 0});
  }
  watcher_ = std::thread([this] { watch(); });
}

void WorkerLauncher::watch() {
  while (!stop_) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& w : workers_) {
        if (w.done) continue;
        int status = 0;
        if (waitpid(w.pid, &status, WNOHANG) != w.pid) continue;
        w.done = true, w.status = status;
        if (failed(status) && !finishing_) {
          // Rank 0 may be blocked in a collective or the rendezvous: end the run from here.
          std::fprintf(stderr,
                       "xinzhi: error: data-parallel worker rank %d (pid %d) %s; stopping the run "
                       "(its own message, if any, is above)\n",
                       w.rank, static_cast<int>(w.pid), describe(status).c_str());
          for (auto& o : workers_)
            if (!o.done) kill(o.pid, SIGTERM);
          for (auto& o : workers_)
            if (!o.done) waitpid(o.pid, nullptr, 0);
          std::_Exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
        }
      }
    }
    changed_.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void WorkerLauncher::finish(int timeout_s) {
  finishing_ = true;
  std::unique_lock<std::mutex> lock(mutex_);
  const bool all = changed_.wait_for(lock, std::chrono::seconds(timeout_s), [&] {
    for (auto& w : workers_)
      if (!w.done) return false;
    return true;
  });
  for (auto& w : workers_) {
    if (!w.done && !all)
      throw InternalError(fmt::format("data-parallel worker rank {} (pid {}) did not exit within {} s after training",
                                      w.rank, w.pid, timeout_s));
    if (w.done && failed(w.status))
      throw InternalError(fmt::format("data-parallel worker rank {} (pid {}) {}", w.rank, w.pid, describe(w.status)));
  }
}

void WorkerLauncher::stop_all() {
  for (auto& w : workers_)
    if (!w.done) kill(w.pid, SIGTERM);
  // A grace of two seconds, then SIGKILL: the destructor must not hang either.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto& w : workers_) {
    while (!w.done) {
      int status = 0;
      if (waitpid(w.pid, &status, WNOHANG) == w.pid) {
        w.done = true, w.status = status;
      } else if (std::chrono::steady_clock::now() > deadline) {
        kill(w.pid, SIGKILL);
        waitpid(w.pid, &status, 0);
        w.done = true, w.status = status;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
}

WorkerLauncher::~WorkerLauncher() {
  stop_ = true;
  if (watcher_.joinable()) watcher_.join();
  stop_all();
}

}  // namespace xinzhi::text
