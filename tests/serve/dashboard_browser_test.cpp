// The dashboard in a real browser: headless Chromium opens it with a viewer token against a
// real server, its scripts run, and the page shows the API's data (checked in the DOM the
// scripts built); screenshots are kept in <build>/test-output/serve/.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "serve/server.hpp"
#include "serve/snapshot.hpp"
#include "serve/tokens.hpp"
#include "store/predictions_table.hpp"
#include "store/readings_table.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::testing;
namespace fs = std::filesystem;

namespace {

constexpr TimestampMs kT0 = 1'767'571'200'000;

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(p)) return p;
  return "";
}

// Runs headless Chromium on url; returns the DOM after the scripts ran, and writes a screenshot.
std::string browse(const std::string& url, const std::string& screenshot, const TempDir& profile) {
  const std::string common = fmt::format("{} --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir={} "
                                         "--window-size=1400,1000 --virtual-time-budget=20000",
                                         chromium(), profile / "chromium");
  run_shell(fmt::format("{} --screenshot={} '{}' > /dev/null 2>&1", common, screenshot, url));
  return run_shell(fmt::format("{} --dump-dom '{}' 2>/dev/null", common, url)).output;
}

}  // namespace

TEST(DashboardBrowser, ShowsThePlantAndAMachinesChartsFromTheApi) {
  if (chromium().empty()) FAIL() << "chromium is missing: scripts/install-deps installs it";
  const fs::path web = fs::path(XINZHI_BINARY).parent_path() / "dashboard";
  ASSERT_TRUE(fs::exists(web / "index.html")) << web << " is not built (the dashboard target)";
  ASSERT_TRUE(fs::exists(web / "vendor/echarts.min.js"));
  TempDir dir;
  const std::string db = dir / "w.db";
  std::string token;
  {
    store::Warehouse wh(db);
    store::Transaction tx(wh.db());
    store::ReadingAppender out(wh.db());
    for (const char* m : {"PRESS-7", "MILL-2"})
      for (int i = 0; i < 2000; ++i)
        out.append({kT0 + i * 60'000LL, m, "vibration", 2 + std::sin(i / 50.0), std::nullopt});
    tx.commit();
    wh.db().exec("INSERT INTO machines(machine, type, first_ts, last_ts) VALUES "
                 "('PRESS-7', 'press', 1767571200000, 1767691140000), ('MILL-2', 'mill', 1767571200000, 1767691140000);"
                 "INSERT INTO sensors(machine, sensor, unit, readings) VALUES ('PRESS-7', 'vibration', 'mm/s', 2000), "
                 "('MILL-2', 'vibration', 'mm/s', 2000)");
    store::replace_alarms(wh.db(), "machine>0.9", {{"PRESS-7", "", kT0 + 600 * 60'000LL, 0.97, "machine>0.9", "open"}});
    token = serve::create_token(wh.db(), "browser", serve::Role::viewer).secret;
    // A plan: one order on time, one late, and worse than FIFO on tardiness.
    store::StoredSchedule plan;
    plan.origin_ms = kT0;
    plan.objective = "weighted_tardiness";
    plan.makespan_ms = 7'200'000;
    plan.weighted_tardiness = 30;
    plan.fifo_makespan_ms = 7'800'000;
    plan.fifo_weighted_tardiness = 10;
    plan.ops = {{"ORD-1", "PRESS-7", 0, kT0, kT0 + 3'600'000, kT0 + 4'000'000, 1},
                {"ORD-2", "MILL-2", 0, kT0 + 1'800'000, kT0 + 7'200'000, kT0 + 5'400'000, 1}};
    store::write_schedule(wh.db(), plan, now_ms());
  }
  serve::ServeOptions o;
  o.db = db;
  o.port = 0;
  o.web_dir = web.string();
  serve::Server server(o);
  server.bind();
  std::atomic<bool> stop{false};
  std::thread t([&] { server.run(&stop); });
  const fs::path shots = fs::path(XINZHI_BINARY).parent_path() / "test-output" / "serve";
  fs::create_directories(shots);
  // live=0: the page does not open its live stream, which would keep the headless browser waiting.
  const std::string base = fmt::format("http://127.0.0.1:{}/dashboard/?token={}&live=0", server.port(), token);

  const std::string overview = browse(base, (shots / "dashboard-overview.png").string(), dir);
  EXPECT_NE(overview.find("data-ready=\"1\""), std::string::npos) << overview.substr(0, 3000);
  EXPECT_NE(overview.find("data-machine=\"PRESS-7\""), std::string::npos);
  EXPECT_NE(overview.find("data-machine=\"MILL-2\""), std::string::npos);
  EXPECT_TRUE(std::regex_search(overview, std::regex(R"(class="card alarm" data-machine="PRESS-7")"))) << "the alarm badge";
  EXPECT_NE(overview.find("class=\"badge\""), std::string::npos);

  const std::string machine = browse(base + "#machine=PRESS-7", (shots / "dashboard-machine.png").string(), dir);
  EXPECT_NE(machine.find("data-ready=\"1\""), std::string::npos);
  EXPECT_NE(machine.find("PRESS-7 · press"), std::string::npos);
  // ECharts drew the series into a canvas inside the sensor's chart.
  EXPECT_TRUE(std::regex_search(machine, std::regex(R"(data-sensor="vibration"[^>]*>.*<canvas)"))) << machine.substr(0, 3000);

  const std::string gantt = browse(base + "#schedule", (shots / "dashboard-schedule.png").string(), dir);
  EXPECT_NE(gantt.find("data-ready=\"1\""), std::string::npos);
  EXPECT_NE(gantt.find("weighted tardiness 30 (FIFO 10)"), std::string::npos) << gantt.substr(0, 3000);
  EXPECT_NE(gantt.find("the plan is worse than FIFO on weighted tardiness"), std::string::npos);
  EXPECT_TRUE(std::regex_search(gantt, std::regex(R"(id="gantt"[^>]*>.*<canvas)")));

  // Without a token (a fresh browser profile: no cookie) the page is refused and shows no data.
  TempDir fresh;
  const std::string refused = browse(fmt::format("http://127.0.0.1:{}/dashboard/", server.port()),
                                     (shots / "dashboard-refused.png").string(), fresh);
  EXPECT_NE(refused.find("bearer token is required"), std::string::npos) << refused.substr(0, 2000);
  EXPECT_EQ(refused.find("data-machine="), std::string::npos);
  EXPECT_TRUE(fs::file_size(shots / "dashboard-overview.png") > 10000);
  stop = true;
  t.join();

  // The same views without a server: one file with the data inlined (a run's dashboard.html).
  const std::string file = dir / "dashboard.html";
  write_text(file, serve::dashboard_snapshot(db, web.string()));
  const std::string snap = browse("file://" + file + "#schedule", (shots / "dashboard-snapshot.png").string(), dir);
  EXPECT_NE(snap.find("data-ready=\"1\""), std::string::npos) << snap.substr(0, 2000);
  EXPECT_NE(snap.find("data-machine=\"PRESS-7\""), std::string::npos);
  EXPECT_NE(snap.find("weighted tardiness 30 (FIFO 10)"), std::string::npos);
  EXPECT_EQ(snap.find(token), std::string::npos) << "the snapshot holds the token";
  EXPECT_EQ(snap.find(">Acknowledge<"), std::string::npos) << "a snapshot offers writes";
}
