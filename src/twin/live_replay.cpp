#include "twin/live_replay.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <queue>
#include <thread>

#include <fmt/format.h>

#include "twin/twin_layout.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"

namespace xinzhi::twin {

namespace fs = std::filesystem;

namespace {

// One gateway's landing file, read line by line in the order the gateway wrote it.
struct GatewayFeed {
  std::string gateway;
  bool json = false;
  std::ifstream in;
  std::string line, header;  // header: the CSV header line ("" for JSON Lines)
  bool has_line = false;
  TimestampMs ts = 0;  // pacing time of `line` (the previous line's when it has none)

  bool next() {
    has_line = static_cast<bool>(std::getline(in, line));
    if (!has_line) return false;
    if (auto t = line_ts(); t) ts = *t;  // a line without a readable time keeps its place
    return true;
  }

  std::optional<TimestampMs> line_ts() const {
    if (json) {
      const auto p = line.find("\"ts\"");
      if (p == std::string::npos) return std::nullopt;
      const auto q = line.find('"', line.find(':', p) + 1);
      if (q == std::string::npos) return std::nullopt;
      return parse_iso8601(std::string_view(line).substr(q + 1, 24));
    }
    return parse_iso8601(std::string_view(line).substr(0, line.find(',')));
  }
};

}  // namespace

ReplaySummary replay_landing(const std::string& twin_dir, const ReplayOptions& options) {
  const fs::path landing = fs::path(twin_dir) / layout::kLandingDir;
  std::vector<std::unique_ptr<GatewayFeed>> feeds;
  std::error_code ec;
  if (!fs::is_directory(landing, ec)) throw InputError(landing.string(), "no landing folder to publish");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(landing)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const auto ext = path.extension().string();
    if (ext != layout::kLandingCsvExt && ext != layout::kLandingJsonlExt) continue;
    auto f = std::make_unique<GatewayFeed>();
    f->gateway = path.stem().string();
    f->json = ext == layout::kLandingJsonlExt;
    f->in.open(path);
    if (!f->json) {  // the CSV header is not a reading: it travels ahead of each message's lines
      std::getline(f->in, f->header);
      if (!f->header.empty() && f->header.back() == '\r') f->header.pop_back();
    }
    if (f->next()) feeds.push_back(std::move(f));
  }
  if (feeds.empty()) throw InputError(landing.string(), "no landing files to publish");

  acquire::MqttPublisher publisher(options.mqtt);
  const auto wall0 = std::chrono::steady_clock::now();
  TimestampMs sim0 = INT64_MAX;
  for (const auto& f : feeds) sim0 = std::min(sim0, f->ts);

  // Earliest line first across gateways; each gateway's own order (out-of-order rows
  // included) is kept because a feed only ever offers its next line.
  auto later = [](const GatewayFeed* a, const GatewayFeed* b) { return a->ts > b->ts; };
  std::priority_queue<GatewayFeed*, std::vector<GatewayFeed*>, decltype(later)> queue(later);
  for (auto& f : feeds) queue.push(f.get());

  ReplaySummary summary;
  Progress progress("publish", 0, "rows");
  std::map<std::string, std::vector<std::string>> pending;
  std::map<std::string, std::string> header;
  auto send_pending = [&] {
    for (auto& [gateway, lines] : pending) {
      if (lines.empty()) continue;
      publisher.publish_lines(gateway, lines, header[gateway]);
      lines.clear();
    }
  };
  auto batch_end = wall0;
  while (!queue.empty()) {
    GatewayFeed* f = queue.top();
    queue.pop();
    if (options.speedup > 0) {
      const auto due = wall0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double, std::milli>((f->ts - sim0) / options.speedup));
      if (due > batch_end) {  // this row belongs to a later batch: send what we have, then wait
        send_pending();
        std::this_thread::sleep_until(due);
        batch_end = due + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double, std::milli>(options.batch_ms));
      }
    }
    pending[f->gateway].push_back(f->line);
    header[f->gateway] = f->header;
    if (options.speedup <= 0 && pending[f->gateway].size() >= 100) {
      publisher.publish_lines(f->gateway, pending[f->gateway], f->header);
      pending[f->gateway].clear();
    }
    ++summary.rows;
    progress.advance();
    if (f->next()) queue.push(f);
  }
  send_pending();
  publisher.flush();
  progress.finish();
  summary.messages = publisher.messages();
  summary.resends = publisher.resends();
  summary.reconnects = publisher.reconnects();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return summary;
}

}  // namespace xinzhi::twin
