// The extra processes of `xinzhi text train --nproc N`: N-1 workers started by fork+exec of this
// same executable with --rank/--world-size/--master-addr/--master-port, watched while they run
// and reaped at the end. A worker that dies ends the whole run at once with a message naming it
// (no rank is left waiting on a collective that will never complete).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace xinzhi::text {

class WorkerLauncher {
 public:
  // Starts ranks 1..nproc-1: this executable (/proc/self/exe) with `args` (argv[0..], the
  // caller's command line for a worker) followed by
  // --rank R --world-size nproc --master-addr 127.0.0.1 --master-port port.
  WorkerLauncher(int nproc, int port, const std::vector<std::string>& args);
  // Kills and reaps the workers still running (the run failed on rank 0).
  ~WorkerLauncher();
  WorkerLauncher(const WorkerLauncher&) = delete;
  WorkerLauncher& operator=(const WorkerLauncher&) = delete;

  // Rank 0 is done: waits up to timeout_s for every worker to exit; throws when one failed or
  // is still running then.
  void finish(int timeout_s);

 private:
  struct Worker {
    int rank = 0;
    pid_t pid = -1;
    bool done = false;
    int status = 0;
  };
  void watch();
  void stop_all();

  std::vector<Worker> workers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<bool> finishing_{false}, stop_{false};
  std::thread watcher_;
};

}  // namespace xinzhi::text
