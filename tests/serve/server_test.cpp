// The server as a client meets it: a real xinzhi server on a free loopback port over a real
// warehouse file, asked with a real HTTP client. Tokens and roles (every route, every role),
// bad requests (each a status and a JSON error naming the field), SQL injection through query
// parameters, idempotent ingest, the audit trail, rate limits, slow clients, the series cache
// following rows that other processes add.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "serve/routes.hpp"
#include "serve/server.hpp"
#include "serve/tokens.hpp"
#include "store/predictions_table.hpp"
#include "store/readings_table.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"
#include "acquire/mqtt_test_support.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using xinzhi::testing::TempDir;

namespace {

constexpr TimestampMs kT0 = 1'767'571'200'000;  // 2026-01-05T00:00:00Z

// A warehouse with two machines' vibration (one reading a minute for a day, value = minute of
// the day, so every bucket's figures are known), an alarm and one token per role.
struct Plant {
  TempDir dir;
  std::string db = dir / "w.db";
  std::string viewer, op, admin;
  Plant() {
    store::Warehouse wh(db);
    {
      store::Transaction tx(wh.db());
      store::ReadingAppender out(wh.db());
      for (const char* m : {"M1", "M2"})
        for (int i = 0; i < 1440; ++i) out.append({kT0 + i * 60'000LL, m, "vibration", static_cast<double>(i), std::nullopt});
      tx.commit();
    }
    wh.db().exec("INSERT INTO sensors(machine, sensor, unit, readings) VALUES ('M1', 'vibration', 'mm/s', 1440), "
                 "('M2', 'vibration', 'mm/s', 1440); INSERT INTO machines(machine, type) VALUES ('M1', 'mill'), ('M2', 'lathe')");
    store::replace_alarms(wh.db(), "machine>0.9", {{"M1", "", kT0 + 3'600'000, 0.95, "machine>0.9", "open"}});
    viewer = serve::create_token(wh.db(), "v", serve::Role::viewer).secret;
    op = serve::create_token(wh.db(), "o", serve::Role::operator_).secret;
    admin = serve::create_token(wh.db(), "a", serve::Role::admin).secret;
  }
  std::int64_t count(const std::string& sql) {
    store::Warehouse wh = store::Warehouse::open_read_only(db);
    return store::query_int(wh.db(), sql).value_or(-1);
  }
};

// A server in this process on a free port, stopped at the end.
struct Running {
  serve::Server server;
  std::atomic<bool> stop{false};
  std::thread thread;
  explicit Running(serve::ServeOptions o) : server([&] {
    o.port = 0;
    return o;
  }()) {
    server.bind();
    thread = std::thread([this] { server.run(&stop); });
  }
  ~Running() {
    stop = true;
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(10, 0);
    return c;
  }
};

serve::ServeOptions options(const Plant& p) {
  serve::ServeOptions o;
  o.db = p.db;
  o.rate_per_s = 0;
  return o;
}

httplib::Headers auth(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

nlohmann::json body_of(const httplib::Result& r) {
  EXPECT_TRUE(r) << "no answer";
  if (!r) return {};
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r->body;
  return j;
}

struct Answer {
  int status = 0;  // 0: no answer
  std::string body;
  explicit operator bool() const { return status != 0; }
  const Answer* operator->() const { return this; }
};

// Sends one request of a route with its path parameters filled in. A live stream that is let in
// is answered by its status line, and the request ends there.
Answer call(httplib::Client& c, const serve::Route& r, const httplib::Headers& h) {
  std::string path = std::regex_replace(r.path, std::regex(R"(\{[^}]+\})"), "1");
  if (r.path == "/api/v1/stream") {
    Answer a;
    std::string body;
    c.Get(path.c_str(), h, [&](const httplib::Response& head) {
      a.status = head.status;
      return head.status != 200;  // the stream: stop at its head; an error: read its body
    }, [&](const char* data, std::size_t n) {
      a.body.append(data, n);
      return true;
    });
    return a;
  }
  auto answer = [](const httplib::Result& res) { return res ? Answer{res->status, res->body} : Answer{}; };
  if (r.method == "GET") return answer(c.Get(path.c_str(), h));
  if (r.method == "DELETE") return answer(c.Delete(path.c_str(), h));
  return answer(c.Post(path.c_str(), h, "", "application/json"));
}

nlohmann::json body_of(const Answer& a) {
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << a.body;
  return j;
}

}  // namespace

TEST(Serve, EveryRouteRefusesAMissingOrBadTokenWithA401AndAudits) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  const auto routes = serve::all_routes();
  ASSERT_GT(routes.size(), 15u);
  for (const auto& r : routes) {
    for (const httplib::Headers& h : {httplib::Headers{}, auth("xz_0011223344556677_" + std::string(64, 'a')),
                                      auth("not-a-token"), httplib::Headers{{"Authorization", "Basic dTpw"}}}) {
      const auto res = call(c, r, h);
      ASSERT_TRUE(res) << r.method << " " << r.path;
      EXPECT_EQ(res->status, 401) << r.method << " " << r.path;
      EXPECT_EQ(body_of(res)["error"]["status"], 401);
    }
  }
  // A revoked token is refused from its next request.
  {
    auto ok = c.Get("/api/v1/machines", auth(p.viewer));
    EXPECT_EQ(ok->status, 200);
    store::Warehouse wh(p.db, false);
    ASSERT_TRUE(store::revoke_api_token(wh.db(), "v", now_ms()));
  }
  EXPECT_EQ(c.Get("/api/v1/machines", auth(p.viewer))->status, 401);
  EXPECT_GE(p.count("SELECT count(*) FROM audit WHERE status = 401"), static_cast<std::int64_t>(routes.size() * 4 + 1));
  EXPECT_EQ(p.count("SELECT count(*) FROM api_tokens WHERE hash LIKE '%' || 'xz_' || '%'"), 0);  // no secret stored
}

TEST(Serve, TheRoleMatrixHoldsOnEveryRouteAndNoWriteGetsPastAViewer) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  const std::int64_t readings = p.count("SELECT count(*) FROM readings");
  for (const auto& r : serve::all_routes()) {
    for (auto [role, token] : {std::pair{serve::Role::viewer, p.viewer}, std::pair{serve::Role::operator_, p.op},
                               std::pair{serve::Role::admin, p.admin}}) {
      const auto res = call(c, r, auth(token));
      ASSERT_TRUE(res) << r.path;
      if (role < r.role) {
        EXPECT_EQ(res->status, 403) << serve::role_name(role) << " " << r.method << " " << r.path;
        EXPECT_NE(body_of(res)["error"]["message"].get<std::string>().find(serve::role_name(r.role)), std::string::npos);
      } else {
        EXPECT_NE(res->status, 401) << r.path;
        EXPECT_NE(res->status, 403) << serve::role_name(role) << " " << r.method << " " << r.path;
        EXPECT_LT(res->status, 500) << r.path << ": " << res->body;
      }
    }
    if (r.writes) {
      EXPECT_GT(r.role, serve::Role::viewer) << r.path << " writes and a viewer may call it";
    }
  }
  // The viewer's write attempts changed nothing and are in the audit trail.
  EXPECT_EQ(p.count("SELECT count(*) FROM readings"), readings);
  EXPECT_GE(p.count("SELECT count(*) FROM audit WHERE status = 403 AND token = 'v' AND method = 'POST'"), 3);
}

TEST(Serve, ReadingsAreDownsampledOnTheServerAndLatestValuesKnown) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  // A day in 24 buckets: hour h holds minutes 60h .. 60h + 59.
  const auto j = body_of(c.Get(fmt::format("/api/v1/readings?machine=M1&sensor=vibration&from={}&to={}&points=24", kT0,
                                           kT0 + 86'400'000).c_str(), auth(p.viewer)));
  ASSERT_EQ(j["buckets"].size(), 24u);
  for (int h = 0; h < 24; ++h) {
    const auto& b = j["buckets"][h];
    EXPECT_EQ(b["ts"], kT0 + h * 3'600'000LL);
    EXPECT_EQ(b["n"], 60);
    EXPECT_DOUBLE_EQ(b["min"], 60.0 * h);
    EXPECT_DOUBLE_EQ(b["max"], 60.0 * h + 59);
    EXPECT_DOUBLE_EQ(b["avg"], 60.0 * h + 29.5);
  }
  // ISO-8601 times work too, and a range with no readings has no buckets.
  const auto iso = body_of(c.Get("/api/v1/readings?machine=M2&sensor=vibration&from=2026-01-05T01:00:00Z&to=2026-01-05T02:00:00Z&points=1", auth(p.viewer)));
  ASSERT_EQ(iso["buckets"].size(), 1u);
  EXPECT_EQ(iso["buckets"][0]["n"], 60);
  EXPECT_TRUE(body_of(c.Get("/api/v1/readings?machine=M1&sensor=vibration&from=0&to=1000", auth(p.viewer)))["buckets"].empty());
  const auto latest = body_of(c.Get("/api/v1/latest?machine=M1", auth(p.viewer)));
  EXPECT_EQ(latest["sensors"]["vibration"]["ts"], kT0 + 1439 * 60'000LL);
  EXPECT_DOUBLE_EQ(latest["sensors"]["vibration"]["value"], 1439);
  const auto sensors = body_of(c.Get("/api/v1/sensors?machine=M1", auth(p.viewer)));
  ASSERT_EQ(sensors["sensors"].size(), 1u);
  EXPECT_EQ(sensors["sensors"][0]["unit"], "mm/s");
  EXPECT_EQ(body_of(c.Get("/api/v1/machines", auth(p.viewer)))["machines"][0]["open_alarms"], 1);
}

TEST(Serve, BadRequestsGetAStatusAndAJsonErrorNamingTheField) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  struct Case {
    std::string path, field;
  };
  for (const Case& k : std::vector<Case>{
           {"/api/v1/readings?sensor=vibration&from=0&to=1", "machine"},
           {"/api/v1/readings?machine=M1&sensor=vibration&from=yesterday&to=1", "from"},
           {"/api/v1/readings?machine=M1&sensor=vibration&from=5&to=1", "to"},
           {"/api/v1/readings?machine=M1&sensor=vibration&from=0&to=1&points=0", "points"},
           {"/api/v1/readings?machine=M1&sensor=vibration&from=0&to=1&points=99999999999999999999", "points"},
           {"/api/v1/readings?machine=" + std::string(300, 'x') + "&sensor=vibration&from=0&to=1", "machine"},
           {"/api/v1/alarms?state=burning", "state"},
           {"/api/v1/alarms?limit=-1", "limit"},
           {"/api/v1/runs/abc", "id"},
           {"/api/v1/latest", "machine"}}) {
    const auto res = c.Get(k.path.c_str(), auth(p.viewer));
    ASSERT_TRUE(res) << k.path;
    EXPECT_EQ(res->status, 400) << k.path << ": " << res->body;
    EXPECT_EQ(body_of(res)["error"]["field"], k.field) << k.path;
  }
  EXPECT_EQ(c.Get("/api/v1/runs/12345", auth(p.viewer))->status, 404);
  EXPECT_EQ(c.Get("/api/v1/nothing/here", auth(p.viewer))->status, 404);
  EXPECT_EQ(body_of(c.Get("/api/v1/nothing/here", auth(p.viewer)))["error"]["status"], 404);
  EXPECT_EQ(c.Post("/api/v1/alarms/999/ack", auth(p.op), "", "application/json")->status, 404);
  const auto bad_token = c.Post("/api/v1/tokens", auth(p.admin), "{\"name\": \"x\", \"role\": \"god\"}", "application/json");
  EXPECT_EQ(bad_token->status, 400);
  EXPECT_EQ(body_of(bad_token)["error"]["field"], "role");
  EXPECT_EQ(c.Post("/api/v1/tokens", auth(p.admin), "{not json", "application/json")->status, 400);
}

TEST(Serve, QueryParametersCannotInjectSql) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  for (const std::string machine : {"M1' OR '1'='1", "M1'; DROP TABLE readings; --", "M1\" OR 1=1 --", "%' --"}) {
    httplib::Params params{{"machine", machine}, {"sensor", "vibration"}, {"from", "0"}, {"to", std::to_string(kT0 * 2)}};
    const auto res = c.Get("/api/v1/readings", params, auth(p.viewer));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(body_of(res)["buckets"].empty()) << machine;
    EXPECT_TRUE(body_of(c.Get("/api/v1/latest", httplib::Params{{"machine", machine}}, auth(p.viewer)))["sensors"].empty());
    EXPECT_TRUE(body_of(c.Get("/api/v1/alarms", httplib::Params{{"machine", machine}}, auth(p.viewer)))["alarms"].empty());
  }
  EXPECT_EQ(p.count("SELECT count(*) FROM readings"), 2880);
}

TEST(Serve, PostedReadingsAreStoredOnceQuarantinedWithTheirPlaceAndAudited) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  const std::string csv = fmt::format("ts,machine,sensor,value\n{},M3,vibration,1.5\n{},M3,vibration,2.5\nnot-a-time,M3,vibration,1\n",
                                      kT0, kT0 + 1000);
  httplib::Headers h = auth(p.op);
  h.emplace("Idempotency-Key", "batch-1");
  const auto first = c.Post("/api/v1/readings", h, csv, "text/csv");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  const auto j = body_of(first);
  EXPECT_EQ(j["stored"], 2);
  EXPECT_EQ(j["quarantined"], 1);
  EXPECT_EQ(j["rejected"][0]["where"], "line 4");
  // The retry (same key) gets the same answer and stores nothing again.
  const auto again = c.Post("/api/v1/readings", h, csv, "text/csv");
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(p.count("SELECT count(*) FROM readings WHERE machine = 'M3'"), 2);
  EXPECT_EQ(p.count("SELECT count(*) FROM quarantine WHERE stage = 'http' AND place LIKE '%batch-1 line 4%'"), 1);
  // JSON, and the same key from another token is another request.
  httplib::Headers other = auth(p.admin);
  other.emplace("Idempotency-Key", "batch-1");
  const auto json = c.Post("/api/v1/readings", other,
                           fmt::format(R"({{"readings": [{{"ts": {}, "machine": "M3", "sensor": "vibration", "value": 9}}]}})", kT0 + 5000),
                           "application/json");
  EXPECT_EQ(body_of(json)["stored"], 1);
  // Nothing usable: 422, and still quarantined.
  const auto junk = c.Post("/api/v1/readings", auth(p.op), "{\"readings\": [{\"ts\": \"then\"}]", "application/json");
  EXPECT_EQ(junk->status, 422);
  EXPECT_EQ(body_of(junk)["stored"], 0);
  EXPECT_EQ(c.Post("/api/v1/readings", auth(p.op), "", "text/csv")->status, 400);
  EXPECT_EQ(p.count("SELECT count(*) FROM readings WHERE machine = 'M3'"), 3);
  EXPECT_GE(p.count("SELECT count(*) FROM audit WHERE method = 'POST' AND path = '/api/v1/readings' AND status = 200"), 3);
  EXPECT_EQ(p.count("SELECT readings FROM sensors WHERE machine = 'M3'"), 3);
}

TEST(Serve, OversizedBodiesAndSlowClientsAreCutOff) {
  Plant p;
  serve::ServeOptions o = options(p);
  o.max_body = 4096;
  o.read_timeout_s = 1;
  Running s(o);
  auto c = s.client();
  const auto big = c.Post("/api/v1/readings", auth(p.op), std::string(10000, 'x'), "text/csv");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(body_of(big)["error"]["status"], 413);
  EXPECT_EQ(p.count("SELECT count(*) FROM readings"), 2880);
  // A client that connects and sends half a request line is dropped after the timeout, while
  // others are served.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(s.server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_GT(::send(fd, "GET /api/v1/mach", 16, 0), 0);
  EXPECT_EQ(c.Get("/api/v1/machines", auth(p.viewer))->status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  char buf[256];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto n = ::recv(fd, buf, sizeof buf, 0);  // closed by the server (0), or an error answer
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  EXPECT_GE(n, 0);
  EXPECT_LT(waited, 4.0) << "the slow client was not cut off";
}

TEST(Serve, ATokensRateIsLimitedWith429) {
  Plant p;
  serve::ServeOptions o = options(p);
  o.rate_per_s = 1;
  o.burst = 5;
  Running s(o);
  auto c = s.client();
  int ok = 0, limited = 0;
  std::string retry;
  for (int i = 0; i < 8; ++i) {
    const auto r = c.Get("/api/v1/machines", auth(p.viewer));
    if (r->status == 200) ++ok;
    if (r->status == 429) ++limited, retry = r->get_header_value("Retry-After");
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(limited, 3);
  EXPECT_FALSE(retry.empty());
  // Another token has its own budget.
  EXPECT_EQ(c.Get("/api/v1/machines", auth(p.op))->status, 200);
}

TEST(Serve, AlarmsAreAcknowledgedAndClearedByOperators) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  const auto list = body_of(c.Get("/api/v1/alarms?state=open", auth(p.viewer)));
  ASSERT_EQ(list["alarms"].size(), 1u);
  const std::int64_t id = list["alarms"][0]["id"];
  const auto ack = c.Post(fmt::format("/api/v1/alarms/{}/ack", id).c_str(), auth(p.op), "", "application/json");
  EXPECT_EQ(ack->status, 200);
  const auto after = body_of(c.Get("/api/v1/alarms", auth(p.viewer)))["alarms"][0];
  EXPECT_EQ(after["state"], "acknowledged");
  EXPECT_EQ(after["changed_by"], "o");
  EXPECT_TRUE(body_of(c.Get("/api/v1/alarms?state=open", auth(p.viewer)))["alarms"].empty());
  EXPECT_EQ(c.Post(fmt::format("/api/v1/alarms/{}/clear", id).c_str(), auth(p.op), "", "application/json")->status, 200);
  EXPECT_EQ(body_of(c.Get("/api/v1/alarms?state=cleared", auth(p.viewer)))["alarms"].size(), 1u);
}

TEST(Serve, TheSeriesCacheFollowsRowsOtherProcessesAdd) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  const std::string q = fmt::format("/api/v1/readings?machine=M1&sensor=vibration&from={}&to={}&points=1", kT0, kT0 + 2 * 86'400'000LL);
  EXPECT_EQ(body_of(c.Get(q.c_str(), auth(p.viewer)))["buckets"][0]["n"], 1440);
  {
    // Another writer: a late reading inside the day and one after it.
    store::Warehouse wh(p.db, false);
    store::ReadingAppender out(wh.db());
    out.append({kT0 + 30'000, "M1", "vibration", 5000.0, std::nullopt});
    out.append({kT0 + 86'400'000LL + 5, "M1", "vibration", -1.0, std::nullopt});
    out.append({kT0 + 86'400'000LL + 6, "M1", "vibration", std::nullopt, std::nullopt});  // no value: not counted
  }
  const auto b = body_of(c.Get(q.c_str(), auth(p.viewer)))["buckets"][0];
  EXPECT_EQ(b["n"], 1442);
  EXPECT_DOUBLE_EQ(b["max"], 5000);
  EXPECT_DOUBLE_EQ(b["min"], -1);
}

TEST(Serve, TheOpenApiDocumentDescribesEveryRoute) {
  Plant p;
  Running s(options(p));
  auto c = s.client();
  EXPECT_EQ(c.Get("/api/v1/openapi.json")->status, 401);
  const auto doc = body_of(c.Get("/api/v1/openapi.json", auth(p.viewer)));
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  for (const auto& r : serve::all_routes()) {
    std::string m = r.method;
    for (auto& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_TRUE(doc["paths"].contains(r.path) && doc["paths"][r.path].contains(m)) << r.method << " " << r.path;
  }
  EXPECT_TRUE(doc["paths"]["/api/v1/readings"]["get"].contains("parameters"));
}

TEST(Serve, ServesHttpsWithACertificateAndKey) {
  Plant p;
  const std::string cert = p.dir / "cert.pem", key = p.dir / "key.pem";
  const auto made = xinzhi::testing::run_shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " +
                                               key + " -out " + cert + " 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  serve::ServeOptions o = options(p);
  o.cert = cert;
  o.key = key;
  Running s(o);
  httplib::SSLClient c("127.0.0.1", s.server.port());
  c.set_ca_cert_path(cert.c_str());
  c.enable_server_certificate_verification(false);  // self-signed for localhost; the channel is what is tested
  const auto r = c.Get("/api/v1/machines", auth(p.viewer));
  ASSERT_TRUE(r) << "no HTTPS answer";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["machines"].size(), 2u);
  // Plain HTTP on the HTTPS port gets no answer.
  httplib::Client plain("127.0.0.1", s.server.port());
  plain.set_read_timeout(2, 0);
  const auto none = plain.Get("/api/v1/machines", auth(p.viewer));
  EXPECT_TRUE(!none || none->status >= 400);
  // A certificate that is not there is refused with a message, before anything listens.
  serve::ServeOptions bad = options(p);
  bad.cert = p.dir / "absent.pem";
  bad.key = key;
  serve::Server refused(bad);
  EXPECT_THROW(refused.bind(), xinzhi::Error);
}

TEST(Serve, LiveClientsGetEveryNewReadingWithinASecondOfItsCommit) {
  Plant p;
  auto s = std::make_unique<Running>(options(p));
  struct Listener {
    std::string machine, got;
    std::atomic<bool> open{false};
    std::thread t;
  };
  std::vector<std::unique_ptr<Listener>> listeners;
  for (const char* m : {"", "", "M2"}) {
    auto l = std::make_unique<Listener>();
    l->machine = m;
    Listener* raw = l.get();
    const int port = s->server.port();
    const std::string token = p.viewer;
    l->t = std::thread([raw, port, token] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(20, 0);
      const std::string path = raw->machine.empty() ? "/api/v1/stream" : "/api/v1/stream?machine=" + raw->machine;
      c.Get(path.c_str(), auth(token), [&](const char* d, std::size_t n) {
        raw->got.append(d, n);
        raw->open = true;
        return true;
      });
    });
    listeners.push_back(std::move(l));
  }
  for (auto& l : listeners)
    for (int i = 0; i < 100 && !l->open; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Another process's commit (a connection of its own), timed.
  const auto committed = std::chrono::steady_clock::now();
  {
    store::Warehouse wh(p.db, false);
    store::Transaction tx(wh.db());
    store::ReadingAppender out(wh.db());
    out.append({kT0 + 99'000'000, "M1", "vibration", 42.5, std::nullopt});
    out.append({kT0 + 99'000'001, "M2", "vibration", 43.5, std::nullopt});
    tx.commit();
    store::replace_alarms(wh.db(), "streaming>0.99", {{"M2", "vibration", kT0 + 99'000'001, 0.999, "streaming>0.99", "open"}});
  }
  auto received = [&](Listener& l, const std::string& what) {
    while (std::chrono::steady_clock::now() - committed < std::chrono::seconds(1))
      if (l.got.find(what) != std::string::npos) return true;
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return l.got.find(what) != std::string::npos;
  };
  for (auto& l : listeners) {
    EXPECT_TRUE(received(*l, "\"value\":43.5")) << "within a second: " << l->got;
    EXPECT_TRUE(received(*l, "event: alarms")) << l->got;
  }
  EXPECT_NE(listeners[0]->got.find("\"value\":42.5"), std::string::npos);
  EXPECT_EQ(listeners[2]->got.find("\"value\":42.5"), std::string::npos) << "M2's stream got M1's reading";
  // The server stops with streams open, and promptly.
  const auto t0 = std::chrono::steady_clock::now();
  s.reset();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 3.0);
  for (auto& l : listeners) l->t.join();
}

TEST(Serve, AlarmRulesRaiseThresholdRateAndNoDataAlarms) {
  Plant p;
  xinzhi::testing::write_text(p.dir / "rules.yaml",
                              "rules:\n"
                              "  - {name: high, sensor: vibration, above: 1000}\n"
                              "  - {name: jump, machine: M1, sensor: vibration, rate_per_min: 100000}\n"
                              "  - {name: silent, machine: M2, minutes: 0.02}\n");
  serve::ServeOptions o = options(p);
  o.alarm_rules = p.dir / "rules.yaml";
  Running s(o);
  auto c = s.client();
  httplib::Headers h = auth(p.op);
  // Three readings over the threshold in a row: one alarm (one excursion); the second jumps by
  // 2,000,000 a minute (over the rate).
  const std::string csv = fmt::format("{},M1,vibration,2000\n{},M1,vibration,2100\n{},M1,vibration,35000\n",
                                      kT0 + 90'000'000, kT0 + 90'060'000, kT0 + 90'061'000);
  ASSERT_EQ(c.Post("/api/v1/readings", h, csv, "text/csv")->status, 200);
  auto alarms_of = [&](const std::string& rule) {
    for (int i = 0; i < 60; ++i) {
      const auto j = body_of(c.Get("/api/v1/alarms?limit=100", auth(p.viewer)))["alarms"];
      nlohmann::json found = nlohmann::json::array();
      for (const auto& a : j)
        if (a["rule"] == rule) found.push_back(a);
      if (!found.empty()) return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nlohmann::json::array();
  };
  const auto high = alarms_of("rule:high");
  ASSERT_EQ(high.size(), 1u) << high.dump();
  EXPECT_EQ(high[0]["ts"], kT0 + 90'000'000);
  EXPECT_EQ(high[0]["machine"], "M1");
  const auto jump = alarms_of("rule:jump");
  ASSERT_EQ(jump.size(), 1u);
  EXPECT_EQ(jump[0]["ts"], kT0 + 90'061'000);
  // M2 has sent nothing since the server started: after 1.2 s, "no data".
  const auto silent = alarms_of("rule:silent");
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0]["machine"], "M2");
  EXPECT_EQ(silent[0]["state"], "open");
  // Data again: the alarm is cleared by the server.
  ASSERT_EQ(c.Post("/api/v1/readings", h, fmt::format("{},M2,vibration,1\n", kT0 + 90'000'000), "text/csv")->status, 200);
  std::string state;
  for (int i = 0; i < 40 && state != "cleared"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state = alarms_of("rule:silent")[0]["state"];
  }
  EXPECT_EQ(state, "cleared");
}

TEST(Serve, AnAnomalyScoreRuleScoresLiveReadingsAgainstTheStoredSeries) {
  Plant p;
  // M3's temperature: a slow wave with a little deterministic wobble, 3000 readings a minute apart.
  auto wave = [](int i) { return 50 + 2 * std::sin(i / 10.0) + 0.1 * ((i * 7919) % 11 - 5) / 5.0; };
  {
    store::Warehouse wh(p.db);
    store::Transaction tx(wh.db());
    store::ReadingAppender out(wh.db());
    for (int i = 0; i < 3000; ++i) out.append({kT0 + i * 60'000LL, "M3", "temperature", wave(i), std::nullopt});
    tx.commit();
    wh.db().exec("INSERT INTO sensors(machine, sensor, unit, readings) VALUES ('M3', 'temperature', 'degC', 3000)");
  }
  xinzhi::testing::write_text(p.dir / "rules.yaml", "rules:\n  - {name: odd, machine: M3, anomaly_score: 0.9}\n");
  serve::ServeOptions o = options(p);
  o.alarm_rules = p.dir / "rules.yaml";
  Running s(o);
  auto c = s.client();
  auto odd_alarms = [&] {
    nlohmann::json found = nlohmann::json::array();
    const nlohmann::json all = body_of(c.Get("/api/v1/alarms?limit=100", auth(p.viewer)));
    for (const auto& a : all["alarms"])
      if (a["rule"] == "rule:odd") found.push_back(a);
    return found;
  };
  // The wave goes on as before: nothing is anomalous.
  std::string csv;
  for (int i = 3000; i < 3030; ++i) csv += fmt::format("{},M3,temperature,{}\n", kT0 + i * 60'000LL, wave(i));
  ASSERT_EQ(c.Post("/api/v1/readings", auth(p.op), csv, "text/csv")->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(odd_alarms().size(), 0u) << odd_alarms().dump();
  // A reading far outside everything the series did: one alarm, for that reading.
  const TimestampMs spike = kT0 + 3030 * 60'000LL;
  ASSERT_EQ(c.Post("/api/v1/readings", auth(p.op), fmt::format("{},M3,temperature,95\n", spike), "text/csv")->status, 200);
  nlohmann::json odd;
  for (int i = 0; i < 50 && odd.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    odd = odd_alarms();
  }
  ASSERT_EQ(odd.size(), 1u) << odd.dump();
  EXPECT_EQ(odd[0]["ts"], spike);
  EXPECT_EQ(odd[0]["machine"], "M3");
  EXPECT_EQ(odd[0]["sensor"], "temperature");
  EXPECT_GT(odd[0]["score"].get<double>(), 0.9);
  // M1 and M2 are not watched by the rule.
  EXPECT_EQ(p.count("SELECT count(*) FROM alarms WHERE rule = 'rule:odd' AND machine <> 'M3'"), 0);
}

TEST(Serve, ABadAlarmRuleFileIsRefusedWithItsPlace) {
  Plant p;
  for (auto [text, words] : {std::pair{"rules:\n  - {name: x, above: 1, below: 2}\n", "exactly one of"},
                             std::pair{"rules:\n  - {name: x, minutes: -1}\n", "must be positive"},
                             std::pair{"rules:\n  - {name: x, abov: 1}\n", "abov"},
                             std::pair{"rules:\n  - {above: 1}\n", "name"},
                             std::pair{"rules:\n  - {name: x, anomaly_score: 1.5}\n", "between 0 and 1"}}) {
    xinzhi::testing::write_text(p.dir / "bad.yaml", text);
    serve::ServeOptions o = options(p);
    o.alarm_rules = p.dir / "bad.yaml";
    serve::Server s(o);
    try {
      s.bind();
      ADD_FAILURE() << "accepted: " << text;
    } catch (const xinzhi::Error& e) {
      EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
      EXPECT_NE(std::string(e.what()).find("bad.yaml"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  }
}

TEST(Serve, IngestsFromMqttInTheSameProcessAndStreamsIt) {
  Plant p;
  TempDir broker_dir;
  xinzhi::testing::Mosquitto broker(broker_dir);
  ASSERT_TRUE(broker.ready());
  serve::ServeOptions o = options(p);
  o.mqtt_broker = broker.url();
  Running s(o);
  auto c = s.client();
  // The ingester subscribes with a persistent session; give it a moment, then publish at QoS 1.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto pub = xinzhi::testing::run_shell(fmt::format(
      "mosquitto_pub -p {} -q 1 -t plant/gw1/readings -m '{{\"ts\": {}, \"machine\": \"M9\", \"sensor\": \"load\", \"value\": 7.5}}' 2>&1",
      broker.port(), kT0 + 5));
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  nlohmann::json latest;
  for (int i = 0; i < 50; ++i) {
    latest = body_of(c.Get("/api/v1/latest?machine=M9", auth(p.viewer)));
    if (latest["sensors"].contains("load")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(latest["sensors"].contains("load")) << latest.dump();
  EXPECT_DOUBLE_EQ(latest["sensors"]["load"]["value"], 7.5);
}

TEST(Serve, TheDashboardsCookieWritesOnlyWithItsOwnHeader) {
  Plant p;
  serve::ServeOptions o = options(p);
  Running s(o);
  auto c = s.client();
  const std::string id = std::to_string(body_of(c.Get("/api/v1/alarms", auth(p.viewer)))["alarms"][0]["id"].get<int>());
  const httplib::Headers cookie{{"Cookie", "xinzhi_token=" + p.op}};
  EXPECT_EQ(c.Get("/api/v1/machines", cookie)->status, 200);  // reads with the cookie alone
  // A forged cross-site POST carries the cookie but cannot add the header: refused.
  EXPECT_EQ(c.Post(("/api/v1/alarms/" + id + "/ack").c_str(), cookie, "", "application/json")->status, 401);
  EXPECT_EQ(body_of(c.Get("/api/v1/alarms", auth(p.viewer)))["alarms"][0]["state"], "open");
  httplib::Headers own = cookie;
  own.emplace("X-Xinzhi-Request", "1");
  EXPECT_EQ(c.Post(("/api/v1/alarms/" + id + "/ack").c_str(), own, "", "application/json")->status, 200);
  // The viewer's cookie with the header: the role still decides.
  httplib::Headers viewer{{"Cookie", "xinzhi_token=" + p.viewer}, {"X-Xinzhi-Request", "1"}};
  EXPECT_EQ(c.Post(("/api/v1/alarms/" + id + "/clear").c_str(), viewer, "", "application/json")->status, 403);
  // The token in a URL is taken on the dashboard's page only, not by the API.
  EXPECT_EQ(c.Get(("/api/v1/machines?token=" + p.viewer).c_str())->status, 401);
}

TEST(Serve, ASeriesCleaningAndTheMaintenanceLogAreThereForTheCharts) {
  Plant p;
  {
    store::Warehouse wh(p.db, false);
    wh.db().exec(fmt::format(
        "INSERT INTO clean_actions(step, machine, sensor, raw_rowid, ts, old_value, new_value, dropped, reason) VALUES "
        "('spike', 'M1', 'vibration', 5, {0}, 99.5, NULL, 0, 'a spike'), ('spike', 'M2', 'vibration', 6, {0}, 1, NULL, 0, 'other');"
        "INSERT INTO clean_readings(ts, machine, sensor, value, origin, method) VALUES ({1}, 'M1', 'vibration', 3.25, 'imputed', 'imputed:linear');"
        "INSERT INTO text_records(record_id, ts, machine, lang, split, text, label, kind) VALUES "
        "('f1', {0}, 'M1', 'en', 'train', 'bearing noise', 'bearing_wear', 'fault'), "
        "('r1', {1}, 'M1', 'en', 'train', 'bearing replaced', '', 'repair')",
        kT0 + 60'000, kT0 + 7'200'000));
  }
  Running s(options(p));
  auto c = s.client();
  const auto cleaning = body_of(c.Get("/api/v1/cleaning?machine=M1&sensor=vibration", auth(p.viewer)));
  ASSERT_EQ(cleaning["actions"].size(), 1u);
  EXPECT_EQ(cleaning["actions"][0]["step"], "spike");
  EXPECT_DOUBLE_EQ(cleaning["actions"][0]["old_value"], 99.5);
  ASSERT_EQ(cleaning["imputed"].size(), 1u);
  EXPECT_DOUBLE_EQ(cleaning["imputed"][0]["value"], 3.25);
  EXPECT_EQ(c.Get("/api/v1/cleaning?machine=M1", auth(p.viewer))->status, 400);
  const auto b = body_of(c.Get("/api/v1/breakdowns?machine=M1", auth(p.viewer)))["breakdowns"];
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["fault"], "bearing_wear");
  EXPECT_EQ(b[0]["reported_ms"], kT0 + 60'000);
  EXPECT_EQ(b[0]["repaired_ms"], kT0 + 7'200'000);
  EXPECT_TRUE(body_of(c.Get("/api/v1/breakdowns?machine=M2", auth(p.viewer)))["breakdowns"].empty());
}
