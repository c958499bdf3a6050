// `xinzhi mqtt ingest` (subscribe and store readings, acknowledging after each commit) and
// `xinzhi mqtt publish` (send landing files to a broker as a plant gateway would).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "acquire/file_ingest.hpp"
#include "acquire/landing/csv_readings.hpp"
#include "acquire/landing/json_readings.hpp"
#include "acquire/mqtt/mqtt_ingester.hpp"
#include "acquire/mqtt/mqtt_publisher.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/progress.hpp"

namespace xinzhi::cli {

namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking poll returns so the loop sees the flag
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

struct IngestCli {
  acquire::MqttIngestOptions opt;
  std::vector<std::string> sensors;
  double max_past_days = 3650, max_future_s = 86400;  // ReadingRules::live()
  std::size_t max_payload = 1 << 20;
  bool no_fsync = false;
};

void run_ingest(IngestCli& c) {
  if (!c.sensors.empty()) c.opt.rules.sensors = std::set<std::string>(c.sensors.begin(), c.sensors.end());
  c.opt.rules.max_past_ms = static_cast<std::int64_t>(c.max_past_days * 86400e3);
  c.opt.rules.max_future_ms = static_cast<std::int64_t>(c.max_future_s * 1e3);
  c.opt.max_payload = c.max_payload;
  c.opt.durable = !c.no_fsync;
  install_stop_handlers();
  acquire::MqttIngester ingester(c.opt);
  const auto s = ingester.run(&g_stop);
  std::cout << fmt::format(
                   "mqtt ingest: {} messages committed ({} redelivered copies skipped), {} readings, {} quarantined, "
                   "{} commits, {} reconnects\n",
                   s.messages, s.duplicates, s.readings, s.quarantined, s.commits, s.reconnects)
            << std::flush;
}

struct PublishCli {
  acquire::MqttPublisherOptions opt;
  std::string path, gateway;
  double rate = 0;
  std::size_t batch = 1;
};

void run_publish(PublishCli& c) {
  if (c.batch == 0) throw UsageError("--batch must be at least 1");
  const auto files = acquire::landing_files(c.path);
  install_stop_handlers();
  acquire::MqttPublisher pub(c.opt);
  Progress progress("mqtt publish", 0, "messages");
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> lines;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file, "cannot be read");
    const std::string gateway = c.gateway.empty() ? fs::path(file).stem().string() : c.gateway;
    const std::string ext = fs::path(file).extension().string();
    if (ext == ".json") {  // a JSON document travels whole, as one message
      const std::string text = read_file(file);
      acquire::JsonReadings doc;
      acquire::JsonReadingParser(acquire::ReadingRules{}, 0).parse_document(text, doc);
      pub.publish_document(gateway, text, doc.readings.size() + doc.rejected.size());
      progress.set(pub.messages());
      if (g_stop) break;
      continue;
    }
    const bool jsonl = ext != ".csv";
    std::string line, header;
    bool first = true;
    auto send = [&] {
      if (lines.empty()) return;
      pub.publish_lines(gateway, lines, header);
      lines.clear();
      progress.set(pub.messages());
      if (c.rate > 0) {  // pace to the requested message rate
        const auto due = start + std::chrono::duration<double>(pub.messages() / c.rate);
        std::this_thread::sleep_until(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
      }
    };
    while (!g_stop && std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (first && !jsonl && acquire::CsvReadingLayout::is_header(line)) {
        first = false;  // the header travels ahead of each message's lines
        header = line;
        continue;
      }
      first = false;
      lines.push_back(line);
      if (lines.size() >= c.batch) send();
    }
    send();
    if (g_stop) break;
  }
  pub.flush();
  progress.finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format("mqtt publish: {} messages, {} readings in {:.2f} s ({:.0f} messages/s), {} resent, "
                           "{} reconnects\n",
                           pub.messages(), pub.readings(), secs, pub.messages() / std::max(secs, 1e-9),
                           pub.resends(), pub.reconnects())
            << std::flush;
}

}  // namespace

void add_mqtt_command(CLI::App& app) {
  CLI::App* mqtt = app.add_subcommand("mqtt", "Acquire readings over MQTT (ingest) or send landing files (publish)");
  mqtt->require_subcommand(1);

  auto in = std::make_shared<IngestCli>();
  CLI::App* ingest = mqtt->add_subcommand(
      "ingest",
      "Subscribe at QoS 1 with a persistent session and store readings in the warehouse; each message is "
      "acknowledged only after its commit, and redelivered copies are skipped");
  ingest->add_option("--broker", in->opt.broker, "Broker URL, tcp://HOST:PORT")->capture_default_str();
  ingest->add_option("--topic", in->opt.topics, "Topic filter to subscribe to (repeat for several)")
      ->capture_default_str();
  ingest->add_option("--db", in->opt.db, "Warehouse file (created when missing)")->required();
  ingest->add_option("--client-id", in->opt.client_id,
                     "Fixed client id: the broker keeps the session (queued messages) under it")
      ->capture_default_str();
  ingest->add_option("--sensors", in->sensors, "Known sensor names, comma-separated: others are quarantined (default: any name)")
      ->delimiter(',');
  ingest->add_option("--max-payload", in->max_payload, "Payloads larger than this many bytes are quarantined")
      ->capture_default_str();
  ingest->add_option("--max-past-days", in->max_past_days, "Quarantine readings older than this many days")
      ->capture_default_str();
  ingest->add_option("--max-future-s", in->max_future_s,
                     "Quarantine readings more than this many seconds ahead of the clock")
      ->capture_default_str();
  ingest->add_option("--max-messages", in->opt.max_messages, "Stop after this many new messages (0: never)")
      ->capture_default_str();
  ingest->add_option("--idle-exit", in->opt.idle_exit_s, "Stop after this many seconds without a message (0: never)")
      ->capture_default_str();
  ingest->add_option("--batch", in->opt.max_batch_messages, "Commit after at most this many messages")
      ->capture_default_str();
  ingest->add_option("--seen-days", in->opt.seen_retention_days,
                     "Forget the ids of messages committed more than this many days ago (redeliveries come within "
                     "minutes; 0: keep every id)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  ingest->add_flag("--no-fsync", in->no_fsync,
                   "Do not sync each commit to disk before acknowledging (survives a crash of xinzhi, not of "
                   "the machine)");
  ingest->callback([in] { run_ingest(*in); });

  auto pb = std::make_shared<PublishCli>();
  CLI::App* publish = mqtt->add_subcommand(
      "publish", "Publish landing files (CSV ts,machine,sensor,value or JSON Lines) at QoS 1 with message ids");
  publish->add_option("path", pb->path, "A landing file or a folder of .csv/.jsonl files")->required();
  publish->add_option("--broker", pb->opt.broker, "Broker URL, tcp://HOST:PORT")->capture_default_str();
  publish->add_option("--topic-prefix", pb->opt.topic_prefix, "Topics are PREFIX/GATEWAY/readings")
      ->capture_default_str();
  publish->add_option("--gateway", pb->gateway, "Gateway name in the topic (default: each file's name)");
  publish->add_option("--rate", pb->rate, "Messages per second (0: as fast as the broker takes them)")
      ->capture_default_str();
  publish->add_option("--batch", pb->batch, "Readings (lines) per message")->capture_default_str();
  publish->add_option("--client-id", pb->opt.client_id, "MQTT client id (default: xinzhi-pub-PID)");
  publish->add_option("--window", pb->opt.window, "Messages in flight before waiting for acknowledgements")
      ->capture_default_str();
  publish->callback([pb] { run_publish(*pb); });
}

}  // namespace xinzhi::cli
