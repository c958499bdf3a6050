// THE MQTT test: 1,000,000 readings at QoS 1 through a real mosquitto; during the run the broker
// is restarted once and the ingester is killed with SIGKILL and started again once. The
// warehouse must end with exactly those readings: the same count, no reading twice, the same
// checksum of values. Readings travel 100 to a message (10,000 messages) so that the test stays
// well under a minute on two shared cores; the guarantees are per message and do not depend on it.
#include <gtest/gtest.h>

#include <fstream>

#include "mqtt_test_support.hpp"
#include "store/warehouse.hpp"

using namespace xinzhi;
using namespace xinzhi::testing;

namespace {

constexpr int kGateways = 4;
constexpr std::int64_t kPerGateway = 250'000;
constexpr std::int64_t kTotal = kGateways * kPerGateway;
const char* const kSensors[6] = {"temperature", "humidity", "pressure", "speed", "vibration", "power"};

// Writes one landing file per gateway; returns the checksum sum(round(value * 1000)).
std::int64_t write_landing(const std::string& folder) {
  std::filesystem::create_directories(folder);
  const TimestampMs base = *parse_iso8601("2026-01-01T00:00:00Z");
  std::int64_t checksum = 0;
  for (int g = 0; g < kGateways; ++g) {
    std::string text = "ts,machine,sensor,value\n";
    text.reserve(kPerGateway * 48);
    char ts[24];
    for (std::int64_t i = 0; i < kPerGateway; ++i) {
      // (i / 60, i % 10, (i % 60) / 10) is unique per row: one reading per machine, sensor, second.
      format_iso8601(base + (i / 60) * 1000, ts);
      const std::int64_t milli = (i * 7919 + g * 104729) % 1'000'000;  // value in [0, 1000) with 3 decimals
      checksum += milli;
      text.append(ts, 24);
      text += fmt::format(",G{}M{},{},{}.{:03}\n", g, i % 10, kSensors[(i % 60) / 10], milli / 1000, milli % 1000);
    }
    write_text(fmt::format("{}/gw{}.csv", folder, g), text);
  }
  return checksum;
}

std::int64_t scalar(const std::string& db, const std::string& sql) {
  try {
    store::Database d(db, store::Database::Mode::read_only);
    return store::query_int(d, sql).value_or(0);
  } catch (const std::exception&) {
    return 0;  // not created yet
  }
}

}  // namespace

TEST(MqttNothingLost, MillionReadingsThroughBrokerRestartAndIngesterKill) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  TempDir dir;
  const std::int64_t checksum = write_landing(dir / "landing");
  Mosquitto broker(dir);
  ASSERT_TRUE(broker.ready()) << read_text(dir / "mosquitto.out");
  const std::string db = dir / "w.db", log = dir / "ingest.log";
  const std::vector<std::string> ingest_args = {XINZHI_BINARY, "mqtt",      "ingest",    "--broker", broker.url(),
                                                "--db",        db,          "--topic",   "plant/+/readings",
                                                "--client-id", "nothing-lost"};
  Child ingest(ingest_args, log);
  ASSERT_TRUE(wait_for_text(log, "subscribed to", 15)) << read_text(log);

  // Paced so that publishing is still going on when the broker restarts: the publisher's
  // reconnect and resend are part of what is tested.
  Child publish({XINZHI_BINARY, "mqtt", "publish", dir / "landing", "--broker", broker.url(), "--batch", "100",
                 "--rate", "1500", "--client-id", "nothing-lost-pub"},
                dir / "publish.log");

  std::int64_t at_broker_restart = -1, at_ingester_kill = -1, n = 0, last = -1;
  auto last_change = std::chrono::steady_clock::now();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    n = scalar(db, "SELECT count(*) FROM readings");
    if (n != last) last = n, last_change = std::chrono::steady_clock::now();
    if (at_broker_restart < 0 && n >= 150'000) {
      at_broker_restart = n;
      broker.restart();
      ASSERT_TRUE(broker.ready()) << read_text(dir / "mosquitto.out");
    } else if (at_broker_restart >= 0 && at_ingester_kill < 0 && n >= 450'000) {
      at_ingester_kill = n;
      EXPECT_EQ(ingest.kill_and_wait(SIGKILL), 128 + SIGKILL);
      ingest.start(ingest_args, log);
    }
    if (n >= kTotal && !publish.running()) break;
    // Nothing new for a while: whatever is missing will not come.
    if (std::chrono::steady_clock::now() - last_change > std::chrono::seconds(60)) break;
    publish.wait_for(0);
  }
  auto tail = [](const std::string& text) { return text.substr(text.size() > 3000 ? text.size() - 3000 : 0); };
  ASSERT_TRUE(publish.wait_for(10)) << "publisher did not finish; " << n << " readings stored\n--- publisher:\n"
                                    << tail(read_text(dir / "publish.log")) << "\n--- ingester:\n"
                                    << tail(read_text(log)) << "\n--- broker:\n"
                                    << tail(read_text(dir / "mosquitto.log"));
  EXPECT_EQ(publish.exit_code(), 0) << read_text(dir / "publish.log");
  // Give a stray redelivery the chance to show up as a duplicate before we count.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(ingest.kill_and_wait(SIGTERM), 0) << read_text(log);

  const std::string out = read_text(log);
  std::cout << "[ events ] broker restarted at " << at_broker_restart << " readings, ingester killed at "
            << at_ingester_kill << " readings\n"
            << read_text(dir / "publish.log").substr(0, 2000);
  for (std::size_t p = out.find("mqtt ingest:"); p != std::string::npos; p = out.find("mqtt ingest:", p + 1))
    std::cout << out.substr(p, out.find('\n', p) - p) << "\n";
  EXPECT_GT(at_broker_restart, 0);
  EXPECT_LT(at_broker_restart, kTotal);
  EXPECT_GT(at_ingester_kill, 0);
  EXPECT_LT(at_ingester_kill, kTotal);
  EXPECT_NE(out.find("reconnecting"), std::string::npos) << "the ingester never saw the broker go away";

  EXPECT_EQ(scalar(db, "SELECT count(*) FROM readings"), kTotal);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM (SELECT DISTINCT ts, machine, sensor FROM readings)"), kTotal);
  EXPECT_EQ(scalar(db, "SELECT sum(CAST(round(value * 1000) AS INTEGER)) FROM readings"), checksum);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM mqtt_seen"), kTotal / 100);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM quarantine"), 0);
}
