// The MQTT ingester against a real mosquitto: bad payloads are quarantined with their reason and
// topic while the ingester keeps going, a redelivered message id is stored once, and SIGTERM
// stops it cleanly.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <mqtt/async_client.h>

#include "acquire/mqtt/mqtt_publisher.hpp"
#include "mqtt_test_support.hpp"
#include "store/warehouse.hpp"

using namespace xinzhi;
using namespace xinzhi::testing;

namespace {

std::string iso_now_plus(std::int64_t ms) { return format_iso8601(now_ms() + ms); }

std::int64_t count(const std::string& db, const std::string& sql) {
  store::Database d(db, store::Database::Mode::read_only);
  return store::query_int(d, sql).value_or(-1);
}

}  // namespace

TEST(MqttIngest, BadInputIsQuarantinedAndIngestGoesOn) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  TempDir dir;
  Mosquitto broker(dir);
  ASSERT_TRUE(broker.ready()) << read_text(dir / "mosquitto.out");
  const std::string db = dir / "w.db", log = dir / "ingest.log";

  const std::string ok1 = "#id=gw/1\n" + iso_now_plus(-1000) + ",M01,temperature,20.5\n";
  const std::string ok2 = R"({"id":"gw/12","readings":[{"ts":")" + iso_now_plus(0) +
                          R"(","machine":"M02","sensor":"power","value":7.25}]})";
  std::string oversize = "#id=gw/4\n";
  while (oversize.size() <= (1u << 20)) oversize += iso_now_plus(0) + ",M01,temperature,20\n";
  // topic, payload, the reason expected in quarantine ("" = stored)
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"plant/a/readings", ok1, ""},
      {"plant/a/readings", ok1, ""},  // the same id again: a redelivered copy
      {"plant/b/readings", R"({"id":"gw/2","ts":)", "malformed JSON"},
      {"plant/c/readings", "#id=gw/3\nthis is not,csv\n", "ragged row: 2 fields"},
      {"plant/d/readings", oversize, "over the limit of 1048576 bytes"},
      {"plant/e/readings", "#id=gw/5\n" + iso_now_plus(0) + ",M01,torque,3\n", "unknown sensor 'torque'"},
      {"plant/f/readings", "#id=gw/6\n" + iso_now_plus(0) + ",M01,temperature,NaN\n", "not finite"},
      {"plant/g/readings",
       R"({"id":"gw/7","ts":")" + iso_now_plus(0) + R"(","machine":"M01","sensor":"power","value":Infinity})",
       "not finite"},
      {"plant/h/readings", "#id=gw/8\n" + iso_now_plus(400LL * 86400 * 1000) + ",M01,temperature,1\n",
       "in the future"},
      {"plant/i/readings", "#id=gw/9\n1970-01-02T00:00:00Z,M01,temperature,1\n", "in the past"},
      {"other/topic", "#id=gw/10\n" + iso_now_plus(0) + ",M09,temperature,1\n", ""},  // not subscribed
      {"plant/j/readings", ok2, ""},
  };

  Child ingest({XINZHI_BINARY, "mqtt", "ingest", "--broker", broker.url(), "--db", db, "--client-id", "bad-input",
                "--max-future-s", "3600", "--sensors", "temperature,humidity,pressure,speed,vibration,power"},
               log);
  ASSERT_TRUE(wait_for_text(log, "subscribed to plant/+/readings", 15)) << read_text(log);

  mqtt::async_client cli(broker.url(), "bad-input-publisher");
  cli.connect()->wait();
  for (const auto& [topic, payload, reason] : cases) cli.publish(topic, payload.data(), payload.size(), 1, false)->wait();
  cli.disconnect()->wait();

  // The last message is good: once it is stored, everything before it has been handled.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (count(db, "SELECT count(*) FROM readings WHERE machine = 'M02'") < 1 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(ingest.running());
  EXPECT_EQ(ingest.kill_and_wait(SIGTERM), 0) << read_text(log);
  const std::string out = read_text(log);
  EXPECT_NE(out.find("mqtt ingest: 10 messages committed (1 redelivered copies skipped), 2 readings, 8 quarantined"),
            std::string::npos)
      << out;

  EXPECT_EQ(count(db, "SELECT count(*) FROM readings"), 2);
  EXPECT_EQ(count(db, "SELECT count(*) FROM readings WHERE machine = 'M01' AND value = 20.5"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM readings WHERE machine = 'M09'"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM quarantine WHERE stage = 'mqtt'"), 8);
  store::Database d(db, store::Database::Mode::read_only);
  for (const auto& [topic, payload, reason] : cases) {
    if (reason.empty()) continue;
    auto q = d.prepare("SELECT count(*) FROM quarantine WHERE place LIKE ? AND reason LIKE ?");
    q.bind(1, topic + "%").bind(2, "%" + reason + "%");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.get_int(0), 1) << topic << " should be quarantined for: " << reason;
  }
  EXPECT_EQ(count(db, "SELECT quarantined FROM sources WHERE kind = 'mqtt'"), 8);
}

TEST(MqttIngest, PublisherLibraryToIngesterWithSessionKeptWhileOffline) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  TempDir dir;
  Mosquitto broker(dir);
  ASSERT_TRUE(broker.ready());
  const std::string db = dir / "w.db", log = dir / "ingest.log";
  // First run only creates the persistent session, then stops (SIGTERM).
  {
    Child ingest({XINZHI_BINARY, "mqtt", "ingest", "--broker", broker.url(), "--db", db, "--client-id", "keep"}, log);
    ASSERT_TRUE(wait_for_text(log, "(new session)", 15)) << read_text(log);
    EXPECT_EQ(ingest.kill_and_wait(SIGTERM), 0);
  }
  // While no ingester runs, the broker queues for the session.
  {
    acquire::MqttPublisherOptions o;
    o.broker = broker.url();
    acquire::MqttPublisher pub(o);
    for (int i = 0; i < 50; ++i)
      pub.publish("gw7", Reading{now_ms() - 1000 + i, "M07", "speed", 1000.0 + i, std::nullopt});
    pub.publish("gw7", std::vector<Reading>{{now_ms(), "M07", "vibration", 0.5, std::nullopt},
                                                           {now_ms(), "M07", "power", std::nullopt, std::nullopt}});
    pub.flush();
    EXPECT_EQ(pub.messages(), 51u);
  }
  const auto r = run_xinzhi("mqtt ingest --broker " + broker.url() + " --db " + db +
                            " --client-id keep --max-messages 51 --idle-exit 20");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(resumed session)"), std::string::npos) << r.output;
  EXPECT_EQ(count(db, "SELECT count(*) FROM readings WHERE machine = 'M07'"), 52);
  EXPECT_EQ(count(db, "SELECT count(*) FROM readings WHERE value IS NULL"), 1);
  EXPECT_EQ(count(db, "SELECT sum(value) FROM readings WHERE sensor = 'speed'"), 50 * 1000 + 49 * 50 / 2);
}

TEST(MqttIngest, OldMessageIdsAreForgotten) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  TempDir dir;
  Mosquitto broker(dir);
  ASSERT_TRUE(broker.ready()) << read_text(dir / "mosquitto.out");
  const std::string db = dir / "w.db", log = dir / "ingest.log";
  {
    store::Warehouse w(db);
    const auto day = 86'400'000LL;
    w.db().exec(fmt::format("INSERT INTO mqtt_seen VALUES ('gw/old', 'plant/a/readings', {}), "
                            "('gw/recent', 'plant/a/readings', {})",
                            now_ms() - 30 * day, now_ms() - day));
  }
  Child ingest({XINZHI_BINARY, "mqtt", "ingest", "--broker", broker.url(), "--db", db, "--client-id", "prune",
                "--seen-days", "7", "--idle-exit", "1"},
               log);
  ASSERT_TRUE(ingest.wait_for(20)) << read_text(log);
  EXPECT_EQ(ingest.exit_code(), 0) << read_text(log);
  EXPECT_NE(read_text(log).find("forgot 1 message ids older than 7 days"), std::string::npos) << read_text(log);
  EXPECT_EQ(count(db, "SELECT count(*) FROM mqtt_seen WHERE msg_id = 'gw/old'"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM mqtt_seen WHERE msg_id = 'gw/recent'"), 1);
}

// `xinzhi mqtt publish` sends each kind of landing file as the ingester reads it: CSV lines with
// their header (a headerless file's first row is a reading, not a header), JSON Lines line by
// line, and a JSON document whole (a pretty-printed list is not
// JSON Lines), so every reading of the folder arrives once.
TEST(MqttIngest, PublishCommandSendsCsvJsonLinesAndJsonDocuments) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  TempDir dir;
  Mosquitto broker(dir);
  ASSERT_TRUE(broker.ready()) << read_text(dir / "mosquitto.out");
  const std::string db = dir / "w.db", land = dir / "landing";
  std::filesystem::create_directories(land);
  const std::string t0 = iso_now_plus(-3000), t1 = iso_now_plus(-2000), t2 = iso_now_plus(-1000);
  write_text(land + "/a.csv", "machine,sensor,ts,value\nM01,speed," + t0 + ",10\nM01,speed," + t1 + ",11\n");
  write_text(land + "/a2.csv", t0 + ",M04,speed,20\n" + t1 + ",M04,speed,21\n");  // no header: all rows
  write_text(land + "/b.jsonl", R"({"ts":")" + t0 + R"(","machine":"M02","sensor":"power","value":1.5})" "\n" +
                                    R"({"ts":")" + t1 + R"(","machine":"M02","sensor":"power","value":2.5})" "\n");
  write_text(land + "/c.json", "[\n  {\"ts\": \"" + t0 + "\", \"machine\": \"M03\", \"sensor\": \"power\", \"value\": 3},\n"
                               "  {\"ts\": \"" + t1 + "\", \"machine\": \"M03\", \"sensor\": \"power\", \"value\": 4},\n"
                               "  {\"ts\": \"" + t2 + "\", \"machine\": \"M03\", \"sensor\": \"power\", \"value\": 5}\n]\n");
  const std::string log = dir / "ingest.log";
  Child ingest({XINZHI_BINARY, "mqtt", "ingest", "--broker", broker.url(), "--db", db, "--client-id", "docs",
                "--max-messages", "4", "--idle-exit", "20"},
               log);
  ASSERT_TRUE(wait_for_text(log, "subscribed to plant/+/readings", 15)) << read_text(log);
  const auto pub = run_xinzhi("mqtt publish " + land + " --broker " + broker.url() + " --batch 10");
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  EXPECT_NE(pub.output.find("4 messages, 9 readings"), std::string::npos) << pub.output;
  ASSERT_TRUE(ingest.wait_for(30)) << read_text(log);
  EXPECT_EQ(ingest.exit_code(), 0) << read_text(log);
  EXPECT_EQ(count(db, "SELECT count(*) FROM readings"), 9);
  EXPECT_EQ(count(db, "SELECT sum(value) FROM readings WHERE machine = 'M04'"), 41);
  EXPECT_EQ(count(db, "SELECT count(*) FROM quarantine"), 0);
  EXPECT_EQ(count(db, "SELECT sum(value) FROM readings WHERE machine = 'M03'"), 12);
}
