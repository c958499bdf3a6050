// Test helpers for the MQTT and Modbus tests: child processes that are always cleaned up, a free
// loopback port, and a real mosquitto broker with persistence in a temporary folder.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "support/test_support.hpp"

extern char** environ;

namespace xinzhi::testing {

// A port nobody listens on right now (bind to port 0, read it back, close).
inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

inline bool wait_for_port(int port, double seconds = 10) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (port_accepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Waits until a (log) file contains text.
inline bool wait_for_text(const std::string& file, const std::string& text, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (read_text(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

inline bool have_program(const std::string& name) {
  return run_shell("command -v " + name + " >/dev/null || test -x /usr/sbin/" + name).exit_code == 0;
}

// A child process (argv[0] is looked up in PATH and /usr/sbin), output to a file. The destructor
// kills it (SIGKILL) and reaps it, so a failing test leaves nothing running.
class Child {
 public:
  Child() = default;
  Child(const std::vector<std::string>& argv, const std::string& output_file) { start(argv, output_file); }
  ~Child() { kill_and_wait(SIGKILL); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void start(const std::vector<std::string>& argv, const std::string& output_file) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::string path = argv[0];
    if (path.find('/') == std::string::npos && ::access(("/usr/sbin/" + path).c_str(), X_OK) == 0)
      path = "/usr/sbin/" + path;
    const int rc = ::posix_spawnp(&pid_, path.c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) pid_ = -1;
    exit_code_ = -1;
  }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Sends sig and waits; returns the exit code (128+signal when killed).
  int kill_and_wait(int sig) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, sig);
    return wait();
  }
  int wait() {
    if (pid_ <= 0) return exit_code_;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  // Waits up to seconds; returns true when it exited (exit_code() then holds the code).
  bool wait_for(double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (pid_ > 0) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      }
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  int exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// A real mosquitto on a free loopback port with persistence in dir: QoS 1 messages queued for
// an offline persistent session survive a restart of the broker.
class Mosquitto {
 public:
  explicit Mosquitto(const TempDir& dir) : dir_(dir.path().string()), port_(free_loopback_port()) {
    // max_queued_messages 0: no cap on the queue of an offline subscriber (the default, 1000,
    // drops QoS 1 messages beyond it).
    write_text(dir_ + "/mosquitto.conf", fmt::format("listener {} 127.0.0.1\n"
                                                     "allow_anonymous true\n"
                                                     "persistence true\n"
                                                     "persistence_location {}/\n"
                                                     "max_queued_messages 0\n"
                                                     "max_inflight_messages 100\n"
                                                     "log_dest file {}/mosquitto.log\n"
                                                     // Started as root, mosquitto would switch to the
                                                     // 'mosquitto' user, who cannot write to dir.
                                                     "{}",
                                                     port_, dir_, dir_, ::geteuid() == 0 ? "user root\n" : ""));
    start();
  }
  void start() {
    child_.start({"mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.out");
    ready_ = wait_for_port(port_);
  }
  // A clean stop (SIGTERM): mosquitto writes its persistence file on the way out.
  int stop() { return child_.kill_and_wait(SIGTERM); }
  void restart() {
    stop();
    start();
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string url() const { return fmt::format("tcp://127.0.0.1:{}", port_); }

 private:
  std::string dir_;
  int port_;
  Child child_;
  bool ready_ = false;
};

}  // namespace xinzhi::testing
