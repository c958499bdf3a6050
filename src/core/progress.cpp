#include "core/progress.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace xinzhi {

namespace {
std::atomic<bool> g_quiet{false};

std::string human_duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{:.0f}m{:02.0f}s", s / 60 - 0.5, std::fmod(s, 60));
  return fmt::format("{:.0f}h{:02.0f}m", s / 3600 - 0.5, std::fmod(s / 60, 60));
}

std::string human_count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}
}  // namespace

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }

Progress::Progress(std::string label, std::uint64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_shown_(start_), tty_(isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() { finish(); }

void Progress::set(std::uint64_t done) {
  done_ = done;
  if (g_quiet) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_start = std::chrono::duration<double>(now - start_).count();
  const double since_shown = std::chrono::duration<double>(now - last_shown_).count();
  if (since_start < 2.0) return;  // short work stays silent
  if (since_shown < (tty_ ? 0.2 : 5.0)) return;
  last_shown_ = now;
  show(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (shown_ && !g_quiet) show(true);
}

void Progress::show(bool final) {
  shown_ = true;
  const double elapsed = std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  const double rate = static_cast<double>(done_) / elapsed;
  std::string line;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const double left = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : 0;
    line = fmt::format("{}: {:5.1f}% {}/{} {} | {}/s | {} {}", label_, frac * 100, human_count(done_),
                       human_count(total_), unit_, human_count(rate), final ? "took" : "left",
                       human_duration(final ? elapsed : left));
  } else {
    line = fmt::format("{}: {} {} | {}/s | {}", label_, human_count(done_), unit_, human_count(rate),
                       human_duration(elapsed));
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
    std::fflush(stderr);
  } else {
    spdlog::info("{}", line);
  }
}

}  // namespace xinzhi
