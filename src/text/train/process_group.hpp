// A data-parallel group of training processes over libtorch's c10d (a TCPStore hosted by rank 0
// for the rendezvous, ProcessGroupGloo for the collectives). torch-free: c10d stays in the .cpp.
#pragma once

#include <memory>
#include <string>

namespace xinzhi::text {

struct DistOptions {
  int rank = 0, world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;  // rank 0 with port 0: a free port, see ProcessGroup::port()
  int timeout_s = 600;      // rendezvous and every collective; a rank silent for longer fails the run
};

class ProcessGroup {
 public:
  // Rank 0 starts the store (listening at once); the other ranks connect to it. The Gloo
  // rendezvous waits for join(), so that rank 0 can start its workers in between.
  explicit ProcessGroup(const DistOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // Blocks until every rank has joined (or the timeout passes: an error).
  void join();
  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  int port() const;  // the store's port (the one chosen when master_port was 0)
  const DistOptions& options() const { return options_; }

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  DistOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xinzhi::text
