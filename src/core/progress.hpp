// Progress of long work: a live line with rate and time left on a terminal, and a plain log
// line every few seconds when stderr is not a terminal. Silent for work under two seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace xinzhi {

class Progress {
 public:
  // total = 0 when the amount of work is unknown; unit names what is counted ("rows").
  Progress(std::string label, std::uint64_t total, std::string unit);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::uint64_t n = 1) { set(done_ + n); }
  void set(std::uint64_t done);
  void finish();  // prints the final line (when anything was shown)

  // Globally silences progress (the --quiet flag).
  static void set_quiet(bool quiet);

 private:
  void show(bool final);
  std::string label_, unit_;
  std::uint64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_shown_;
  bool tty_, shown_ = false, finished_ = false;
};

}  // namespace xinzhi
