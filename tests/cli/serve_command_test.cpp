// `xinzhi serve` and `xinzhi token` as a user runs them: the real binary on a free loopback
// port. Killed with SIGKILL while clients post readings and started again, every acknowledged
// batch is in the warehouse exactly once (retries carry the same Idempotency-Key); SIGTERM
// stops it cleanly; tokens are shown once and refused once revoked; bad options exit 2.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "store/readings_table.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::testing;

namespace {

// A `xinzhi serve` child on a free port: started, its port read from its first line.
struct ServeProcess {
  pid_t pid = -1;
  int port = 0;
  std::string log;
  ServeProcess(const std::string& db, const std::string& log_path, std::vector<std::string> extra = {}) : log(log_path) {
    std::vector<std::string> args = {XINZHI_BINARY, "serve", "--db", db, "--listen", "127.0.0.1:0", "--rate-limit", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid = ::fork();
    if (pid == 0) {
      std::freopen(log_path.c_str(), "w", stdout);
      std::freopen(log_path.c_str(), "a", stderr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(XINZHI_BINARY, argv.data());
      ::_exit(127);
    }
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && port == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::smatch m;
      const std::string text = read_text(log_path);
      if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
    }
  }
  int wait_exit() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
  ~ServeProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

std::string make_warehouse(TempDir& dir) {
  const std::string db = dir / "w.db";
  store::Warehouse wh(db);
  return db;
}

std::string token(const std::string& db, const std::string& name, const std::string& role) {
  const auto r = run_xinzhi(fmt::format("token create --db {} --name {} --role {}", db, name, role));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;  // the token is its own line on stdout; the note about it goes to stderr
  const std::regex shape("xz_[0-9a-f]{16}_[0-9a-f]{64}");
  EXPECT_TRUE(std::regex_search(r.output, m, shape)) << r.output;
  return m.empty() ? "" : m.str();
}

// Batch b: 50 readings of machine P at times b * 1000 + i.
std::string batch(int b) {
  std::string csv = "ts,machine,sensor,value\n";
  for (int i = 0; i < 50; ++i) csv += fmt::format("{},P,load,{}\n", 1'767'571'200'000LL + b * 1000 + i, b);
  return csv;
}

}  // namespace

TEST(ServeCli, SigkillDuringPostIngestLosesNoAcknowledgedReadingAndStoresNoneTwice) {
  TempDir dir;
  const std::string db = make_warehouse(dir);
  const std::string op = token(db, "writer", "operator");
  std::set<int> acknowledged;
  int sent = 0;  // batches 0 .. sent - 1 were sent in the first round
  for (int round = 0; round < 2; ++round) {
    ServeProcess s(db, dir / fmt::format("serve{}.log", round));
    ASSERT_GT(s.port, 0) << read_text(s.log);
    std::thread killer;
    if (round == 0)
      killer = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        ::kill(s.pid, SIGKILL);
      });
    httplib::Client c("127.0.0.1", s.port);
    c.set_read_timeout(5, 0);
    auto post = [&](int b) {
      httplib::Headers h{{"Authorization", "Bearer " + op}, {"Idempotency-Key", fmt::format("b{}", b)}};
      const auto r = c.Post("/api/v1/readings", h, batch(b), "text/csv");
      if (r && r->status == 200) acknowledged.insert(b);
      return static_cast<bool>(r);
    };
    if (round == 0) {
      // Batches until the server dies under the clients.
      while (post(sent)) ++sent;
      ++sent;  // the one in flight at the kill
      killer.join();
      s.wait_exit();
      ASSERT_GT(acknowledged.size(), 10u) << "the kill came before the ingest was under way";
    } else {
      // The client retries what it has no answer for, and some acknowledged batches too (a retry
      // whose answer was lost): none may be stored twice.
      for (int b = 0; b < sent; ++b)
        if (!acknowledged.count(b) || b % 7 == 0) EXPECT_TRUE(post(b)) << b;
    }
  }
  const int kBatches = sent;
  EXPECT_EQ(acknowledged.size(), static_cast<std::size_t>(kBatches));
  store::Warehouse wh = store::Warehouse::open_read_only(db);
  EXPECT_EQ(store::query_int(wh.db(), "SELECT count(*) FROM readings"), kBatches * 50);
  EXPECT_EQ(store::query_int(wh.db(), "SELECT count(*) FROM (SELECT ts FROM readings GROUP BY ts HAVING count(*) > 1)"), 0);
}

TEST(ServeCli, SigtermStopsTheServerCleanly) {
  TempDir dir;
  const std::string db = make_warehouse(dir);
  const std::string v = token(db, "watcher", "viewer");
  ServeProcess s(db, dir / "serve.log");
  ASSERT_GT(s.port, 0) << read_text(s.log);
  httplib::Client c("127.0.0.1", s.port);
  const auto r = c.Get("/api/v1/machines", httplib::Headers{{"Authorization", "Bearer " + v}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ::kill(s.pid, SIGTERM);
  const int status = s.wait_exit();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(dir / "serve.log");
  EXPECT_NE(read_text(dir / "serve.log").find("serve: stopped"), std::string::npos);
}

TEST(ServeCli, TokensAreShownOnceStoredHashedAndRevocable) {
  TempDir dir;
  const std::string db = make_warehouse(dir);
  const std::string t = token(db, "ops-1", "operator");
  ASSERT_FALSE(t.empty());
  const auto list = run_xinzhi("token list --db " + db);
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.output.find("ops-1"), std::string::npos);
  EXPECT_EQ(list.output.find(t.substr(20)), std::string::npos) << "the secret is shown again";
  const auto dump = run_shell("sqlite3 " + db + " .dump");
  EXPECT_EQ(dump.output.find(t.substr(20)), std::string::npos) << "the secret is stored";
  expect_input_error("token create --db " + db + " --name ops-1 --role viewer", "exists already");
  expect_input_error("token revoke --db " + db + " --name nobody", "no valid token");
  EXPECT_EQ(run_xinzhi("token create --db " + db + " --name x --role root").exit_code, 1);  // not a role
  EXPECT_EQ(run_xinzhi("token revoke --db " + db + " --name ops-1").exit_code, 0);
  expect_input_error("token create --db " + db + " --name 'bad name' --role viewer", "only letters");
  expect_input_error("serve --db " + db + " --listen 127.0.0.1:99999", "not a port");
  expect_input_error("serve --db " + (dir / "absent.db"), "absent.db");
}

TEST(ServeCli, TheTextModelsAnswerAsADigitalService) {
  TempDir dir;
  std::string train;
  const char* kinds[][2] = {{"hydraulic_leak", "oil leaking from the hydraulic pump of M{}"},
                            {"bearing_wear", "grinding noise from the spindle bearing of M{}"},
                            {"electrical_fault", "servo drive of M{} tripped with an overcurrent"}};
  for (int i = 0; i < 60; ++i)
    train += nlohmann::json({{"text", fmt::format(fmt::runtime(kinds[i % 3][1]), i)}, {"label", kinds[i % 3][0]}}).dump() + "\n";
  write_text(dir / "train.jsonl", train);
  const auto t = run_xinzhi("-q text train --task classification --train " + (dir / "train.jsonl") + " --dev " +
                            (dir / "train.jsonl") + " -o " + (dir / "m") +
                            " --hidden 32 --layers 1 --heads 2 --epochs 20 --batch-size 8 --lr 5e-3 --vocab-size 120 --threads 1 --seed 3");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string db = make_warehouse(dir);
  const std::string v = token(db, "reader", "viewer");
  ServeProcess s(db, dir / "serve.log", {"--text-model", dir / "m/best"});
  ASSERT_GT(s.port, 0) << read_text(s.log);
  httplib::Client c("127.0.0.1", s.port);
  c.set_read_timeout(30, 0);
  const httplib::Headers h{{"Authorization", "Bearer " + v}};
  const auto models = c.Get("/api/v1/text/models", h);
  ASSERT_TRUE(models);
  EXPECT_NE(models->body.find("\"best\""), std::string::npos) << models->body;
  const auto r = c.Post("/api/v1/text/predict?top=2", h,
                        R"({"texts": ["oil leaking from the hydraulic pump of M7", "grinding noise from the spindle bearing of M3"]})",
                        "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = nlohmann::json::parse(r->body);
  ASSERT_EQ(j["predictions"].size(), 2u);
  EXPECT_EQ(j["predictions"][0]["label"], "hydraulic_leak") << r->body;
  EXPECT_EQ(j["predictions"][1]["label"], "bearing_wear") << r->body;
  for (const auto& p : j["predictions"]) {
    ASSERT_EQ(p["top"].size(), 2u);
    EXPECT_EQ(p["top"][0]["label"], p["label"]);
    EXPECT_GE(p["top"][0]["score"].get<double>(), p["top"][1]["score"].get<double>());
  }
  EXPECT_EQ(c.Post("/api/v1/text/predict", h, R"({"texts": []})", "application/json")->status, 400);
  EXPECT_EQ(c.Post("/api/v1/text/predict", h, R"({"txt": "x"})", "application/json")->status, 400);
  EXPECT_EQ(c.Post("/api/v1/text/predict", h, R"({"text": "x", "model": "nope"})", "application/json")->status, 404);
  EXPECT_EQ(c.Post("/api/v1/text/predict", httplib::Headers{}, R"({"text": "x"})", "application/json")->status, 401);
}

TEST(ServeCli, OperatorsStartPipelineRunsAsJobsAndPollThem) {
  TempDir dir;
  const std::string plant = source_dir() + "/examples/smart-factory/plant.yaml";
  write_text(dir / "tiny.yaml", fmt::format("name: tiny\nseed: 3\nruns_dir: {}\nwarehouse: run\nstages:\n"
                                            "  - simulate: {{plant: {}, days: 1}}\n  - ingest: {{}}\n",
                                            dir / "runs", plant));
  write_text(dir / "broken.yaml", fmt::format("name: broken\nruns_dir: {}\nstages:\n  - simulate: {{plant: {}, dayz: 1}}\n",
                                              dir / "runs", plant));
  const std::string db = make_warehouse(dir);
  const std::string op = token(db, "op", "operator"), v = token(db, "v", "viewer");
  ServeProcess s(db, dir / "serve.log", {"--pipeline", dir / "tiny.yaml", "--pipeline", dir / "broken.yaml"});
  ASSERT_GT(s.port, 0) << read_text(s.log);
  httplib::Client c("127.0.0.1", s.port);
  const httplib::Headers ho{{"Authorization", "Bearer " + op}}, hv{{"Authorization", "Bearer " + v}};
  EXPECT_EQ(c.Post("/api/v1/jobs", hv, R"({"pipeline": "tiny"})", "application/json")->status, 403);
  EXPECT_EQ(c.Post("/api/v1/jobs", ho, R"({"pipeline": "../../etc/passwd"})", "application/json")->status, 404);
  auto run = [&](const std::string& name) {
    const auto r = c.Post("/api/v1/jobs", ho, nlohmann::json({{"pipeline", name}}).dump(), "application/json");
    EXPECT_EQ(r->status, 202) << r->body;
    const auto id = nlohmann::json::parse(r->body)["id"].get<int>();
    nlohmann::json j;
    for (int i = 0; i < 600; ++i) {
      j = nlohmann::json::parse(c.Get(fmt::format("/api/v1/jobs/{}", id).c_str(), hv)->body);
      if (j["state"] != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return j;
  };
  const auto ok = run("tiny");
  EXPECT_EQ(ok["state"], "ok") << ok.dump(2);
  EXPECT_EQ(ok["started_by"], "op");
  ASSERT_TRUE(ok["report"].is_string()) << ok.dump(2);
  EXPECT_TRUE(std::filesystem::exists(ok["report"].get<std::string>()));
  // The run recorded itself in its own warehouse; the served warehouse's runs are its own. The
  // report of a run the served warehouse knows is served from its folder.
  {
    store::Warehouse wh(db, false);
    const std::string folder = std::filesystem::path(ok["report"].get<std::string>()).parent_path().string();
    wh.db().exec("INSERT INTO runs(name, folder, started_ms, status) VALUES ('tiny', '" + folder + "', 0, 'ok')");
  }
  const auto report = c.Get("/api/v1/runs/1/report", hv);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, 200);
  EXPECT_NE(report->body.find("<html"), std::string::npos);
  EXPECT_EQ(c.Get("/api/v1/runs/1/report?file=../../../etc/passwd", hv)->status, 400);
  const auto bad = run("broken");
  EXPECT_EQ(bad["state"], "failed");
  EXPECT_EQ(bad["exit_code"], 2);
  EXPECT_NE(bad["output_tail"].dump().find("dayz"), std::string::npos) << bad.dump(2);
  EXPECT_EQ(nlohmann::json::parse(c.Get("/api/v1/jobs", hv)->body)["jobs"].size(), 2u);
  // Stopped with a job running, the server ends the job and itself.
  ASSERT_EQ(c.Post("/api/v1/jobs", ho, R"({"pipeline": "tiny"})", "application/json")->status, 202);
  ::kill(s.pid, SIGTERM);
  const auto t0 = std::chrono::steady_clock::now();
  const int status = s.wait_exit();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(dir / "serve.log");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}
