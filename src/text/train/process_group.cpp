#include "text/train/process_group.hpp"

#include <chrono>
#include <cstdlib>

// libtorch's c10d headers hide the Gloo process group unless this is defined (Debian builds
// libtorch with Gloo; the gloo headers come from libgloo-dev).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <fmt/format.h>

#include "core/error.hpp"
#include "text/train/process_group_impl.hpp"

namespace xinzhi::text {

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

namespace {

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

std::string where(const DistOptions& o) { return fmt::format("{}:{}", o.master_addr, o.master_port); }

// c10d's messages carry a C++ backtrace after the first line: keep the message.
std::string first_line(const char* what) {
  std::string msg = what;
  if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
  return msg;
}

}  // namespace

ProcessGroup::ProcessGroup(const DistOptions& o) : options_(o), impl_(std::make_unique<Impl>()) {
  if (o.world_size < 1) throw UsageError("--world-size must be at least 1");
  if (o.rank < 0 || o.rank >= o.world_size)
    throw UsageError(fmt::format("--rank {} is outside the group of {} (ranks 0 to {})", o.rank, o.world_size, o.world_size - 1));
  if (o.master_port < 0 || o.master_port > 65535) throw UsageError(fmt::format("--master-port {} is not a port", o.master_port));
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(o.master_port);
  so.isServer = o.rank == 0;
  so.numWorkers = static_cast<std::size_t>(o.world_size);
  so.waitWorkers = false;  // the Gloo rendezvous in join() waits for everyone
  so.timeout = std::chrono::seconds(o.timeout_s);
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
  } catch (const std::exception& e) {
    throw InternalError(fmt::format("data-parallel rank {}: cannot {} the rendezvous store at {}: {}", o.rank,
                                    o.rank == 0 ? "start" : "reach", where(o), first_line(e.what())));
  }
  options_.master_port = impl_->store->getPort();
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::port() const { return options_.master_port; }

void ProcessGroup::join() {
  const DistOptions& o = options_;
  auto opts = c10d::ProcessGroupGloo::Options::create(std::chrono::seconds(o.timeout_s));
  // One machine: loopback. Several: the interface named by GLOO_SOCKET_IFNAME (as PyTorch), else
  // the address this machine's hostname resolves to.
  if (is_loopback(o.master_addr)) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  opts->threads = 2;
  try {
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("xinzhi", impl_->store);
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, o.rank, o.world_size, opts);
  } catch (const std::exception& e) {
    throw InternalError(fmt::format("data-parallel rank {}: the {} ranks did not all join through {} within {} s: {}", o.rank,
                                    o.world_size, where(o), o.timeout_s, first_line(e.what())));
  }
}

namespace {

void run(ProcessGroup& g, const char* what, const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
  if (!g.impl().group) throw InternalError("data-parallel group used before join()");
  try {
    auto work = start();
    work->wait();
  } catch (const std::exception& e) {
    // Gloo reports a dead peer as a closed connection and a silent one as a timeout.
    throw InternalError(fmt::format("data-parallel rank {}: {} failed: another rank died or stayed silent for {} s ({})",
                                    g.rank(), what, g.options().timeout_s, first_line(e.what())));
  }
}

}  // namespace

void allreduce_sum(ProcessGroup& g, torch::Tensor& t, const char* what) {
  std::vector<at::Tensor> v{t};
  run(g, what, [&] { return g.impl().group->allreduce(v, c10d::AllreduceOptions{}); });
}

void broadcast(ProcessGroup& g, torch::Tensor& t, int root, const char* what) {
  std::vector<at::Tensor> v{t};
  c10d::BroadcastOptions bo;
  bo.rootRank = root;
  run(g, what, [&] { return g.impl().group->broadcast(v, bo); });
}

}  // namespace xinzhi::text
