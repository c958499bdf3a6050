// `xinzhi simulate --mqtt`: the twin's gateways publish live to a real mosquitto and
// `xinzhi mqtt ingest` stores exactly what a file ingest of the same landing folder stores.
#include <gtest/gtest.h>

#include "acquire/mqtt_test_support.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi::testing;

namespace {
std::int64_t count(const std::string& db, const std::string& sql) {
  xinzhi::store::Warehouse wh(db, false);
  return xinzhi::store::query_int(wh.db(), sql).value_or(-1);
}
}  // namespace

TEST(MqttLiveTwin, PublishedPlantLandsLikeItsFiles) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  TempDir dir;
  Mosquitto broker(dir);
  ASSERT_TRUE(broker.ready()) << read_text(dir / "mosquitto.out");
  const std::string db = dir / "mqtt.db", log = dir / "ingest.log";
  Child ingest({XINZHI_BINARY, "mqtt", "ingest", "--broker", broker.url(), "--db", db, "--client-id", "live-twin"}, log);
  ASSERT_TRUE(wait_for_text(log, "subscribed to plant/+/readings", 15)) << read_text(log);

  const auto sim = run_xinzhi("-q simulate --days 1 --machines 3 --seed 5 --out " + (dir / "plant") + " --mqtt " +
                              broker.url() + " --speedup 0");
  ASSERT_EQ(sim.exit_code, 0) << sim.output;
  EXPECT_NE(sim.output.find("published"), std::string::npos) << sim.output;

  const auto files = run_xinzhi("-q ingest " + (dir / "plant/landing") + " --db " + (dir / "files.db") + " --allow-quarantine");
  ASSERT_EQ(files.exit_code, 0) << files.output;
  const std::int64_t expected = count(dir / "files.db", "SELECT count(*) FROM readings");
  ASSERT_GT(expected, 1000);
  // Every acknowledged message is committed, so the count settles at the file ingest's.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count(db, "SELECT count(*) FROM readings") < expected && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ingest.kill_and_wait(SIGTERM), 0) << read_text(log);
  EXPECT_EQ(count(db, "SELECT count(*) FROM readings"), expected);
  // Same rows, not just the same number: compare an order-free checksum.
  const std::string sum = "SELECT sum(ts % 1000003) + sum(CAST(coalesce(value, 0) * 1000 AS INTEGER)) FROM readings";
  EXPECT_EQ(count(db, sum), count(dir / "files.db", sum));
}
