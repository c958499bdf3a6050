#include "serve/server.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <regex>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "acquire/mqtt/mqtt_ingester.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "serve/alarm_watcher.hpp"
#include "serve/api_context.hpp"
#include "serve/jobs.hpp"
#include "serve/live_feed.hpp"
#include "serve/routes.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

namespace {

// Per token: a bucket of `burst` requests refilled at `rate` per second.
class RateLimiter {
 public:
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}
  // Seconds to wait before the next request is allowed; 0 when this one may go.
  double take(const std::string& who) {
    if (rate_ <= 0) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = buckets_.try_emplace(who, Bucket{burst_, now});
    Bucket& b = it->second;
    b.tokens = std::min(burst_, b.tokens + rate_ * std::chrono::duration<double>(now - b.at).count());
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / rate_;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

// The caller of the request this thread is serving (set by the pre-routing check).
thread_local std::optional<Caller> t_caller;

constexpr const char* kCookie = "xinzhi_token";

std::string bearer(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  if (h.size() > 7 && (h.compare(0, 7, "Bearer ") == 0 || h.compare(0, 7, "bearer ") == 0)) return h.substr(7);
  return "";
}

std::string cookie_token(const httplib::Request& req) {
  const std::string h = req.get_header_value("Cookie");
  const std::string key = std::string(kCookie) + "=";
  for (std::size_t at = 0; at < h.size();) {
    while (at < h.size() && (h[at] == ' ' || h[at] == ';')) ++at;
    const std::size_t end = std::min(h.find(';', at), h.size());
    if (h.compare(at, key.size(), key) == 0) return h.substr(at + key.size(), end - at - key.size());
    at = end;
  }
  return "";
}

bool is_dashboard(const std::string& path) { return path == "/" || path.rfind("/dashboard", 0) == 0; }

}  // namespace

struct Server::Impl {
  std::unique_ptr<httplib::Server> http;
  std::unique_ptr<ApiContext> api;
  std::unique_ptr<AlarmWatcher> alarms;
  std::atomic<bool> mqtt_stop{false};
  std::thread mqtt;
  std::unique_ptr<RateLimiter> limiter;
  std::vector<Route> routes;
  nlohmann::json openapi;
  std::string web_dir;
  bool secure = false;

  // The dashboard's files: a name of letters, digits, '.', '-' and '_' in web_dir or its vendor/
  // folder, nothing else (no "..", no hidden files, no links out).
  void dashboard_file(const httplib::Request& req, httplib::Response& res) {
    std::string name = req.path == "/dashboard" || req.path == "/dashboard/" ? "index.html" : req.path.substr(11);
    static const std::regex kName(R"(^(vendor/)?[A-Za-z0-9_-][A-Za-z0-9_.-]*$)");
    if (!std::regex_match(name, kName) || name.find("..") != std::string::npos) {
      refuse(req, res, t_caller ? &*t_caller : nullptr, {404, "path", "no such file"});
      return;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(web_dir, ec), file = fs::weakly_canonical(fs::path(web_dir) / name, ec);
    const auto rel = file.lexically_relative(root);
    if (ec || rel.empty() || *rel.begin() == ".." || !fs::is_regular_file(file, ec)) {
      reply_error(res, {404, "path", "no such file: " + name});
      return;
    }
    static const std::map<std::string, std::string> kTypes = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"}, {".json", "application/json"}, {".png", "image/png"}, {".svg", "image/svg+xml"}};
    const auto type = kTypes.find(file.extension().string());
    res.set_content(read_file(file.string()), type == kTypes.end() ? "application/octet-stream" : type->second);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  }

  void audit(const httplib::Request& req, const Caller* who, int status, const std::string& detail) {
    try {
      api->write([&](store::Warehouse& wh) {
        store::append_audit(wh.db(), {now_ms(), who ? who->name : "", who ? role_name(who->role) : "", req.method,
                                      req.path, status, detail, req.remote_addr});
        return 0;
      });
    } catch (const std::exception& e) {
      spdlog::error("serve: the audit could not be written: {}", e.what());
    }
  }

  void refuse(const httplib::Request& req, httplib::Response& res, const Caller* who, const ApiError& e) {
    reply_error(res, e);
    audit(req, who, e.status, e.message);
  }

  // 401 / 429 before routing; the caller is kept for the route's role check.
  httplib::Server::HandlerResponse authenticate(const httplib::Request& req, httplib::Response& res) {
    t_caller.reset();
    // A header for programs; for the browser, the dashboard's URL carries the token once
    // (?token=, answered with a cookie) and the cookie after that.
    std::string token = bearer(req);
    bool from_url = false;
    if (token.empty() && is_dashboard(req.path) && req.has_param("token")) {
      token = req.get_param_value("token");
      from_url = true;
    }
    // Other methods take the cookie only with the header X-Xinzhi-Request, which a page of
    // another site cannot send (a form cannot set it; a script would need CORS, which is not
    // granted): the dashboard's own buttons work, a forged request does not.
    if (token.empty() && (req.method == "GET" || req.method == "HEAD" || req.has_header("X-Xinzhi-Request")))
      token = cookie_token(req);
    if (token.empty()) {
      res.set_header("WWW-Authenticate", "Bearer");
      refuse(req, res, nullptr, {401, "Authorization", "a bearer token is required (Authorization: Bearer xz_...)"});
      return httplib::Server::HandlerResponse::Handled;
    }
    std::optional<Caller> who;
    try {
      who = verify_token(api->reader(), token);
    } catch (const std::exception& e) {
      spdlog::error("serve: token check failed: {}", e.what());
      reply_error(res, {500, "", "the token could not be checked"});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!who) {
      res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      refuse(req, res, nullptr, {401, "Authorization", "the token is not valid (unknown, revoked or malformed)"});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (const double wait = limiter->take(who->name); wait > 0) {
      res.set_header("Retry-After", std::to_string(static_cast<int>(std::ceil(wait))));
      refuse(req, res, &*who, {429, "", fmt::format("the token's rate limit is reached; retry in {:.2f} s", wait)});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (from_url)
      res.set_header("Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict" +
                                       (secure ? "; Secure" : ""));
    t_caller = who;
    return httplib::Server::HandlerResponse::Unhandled;
  }

  httplib::Server::Handler wrap(const Route& route) {
    return [this, &route](const httplib::Request& req, httplib::Response& res) {
      if (!t_caller) {  // authenticate() answered already; not reached
        reply_error(res, {401, "Authorization", "a bearer token is required"});
        return;
      }
      const Caller& who = *t_caller;
      if (who.role < route.role) {
        refuse(req, res, &who, {403, "", fmt::format("the {} role may not {} {}; it takes {}", role_name(who.role),
                                                      route.method, route.path, role_name(route.role))});
        return;
      }
      std::optional<ApiError> failure;
      try {
        route.handler(*api, req, res, who);
      } catch (const ApiError& e) {
        failure = e;
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::input) {
          failure = ApiError{400, e.place(), e.message()};
        } else {
          spdlog::error("serve: {} {}: {}", req.method, req.path, e.what());
          failure = ApiError{500, "", "internal error (see the server's log)"};
        }
      } catch (const std::exception& e) {
        spdlog::error("serve: {} {}: {}", req.method, req.path, e.what());
        failure = ApiError{500, "", "internal error (see the server's log)"};
      }
      if (failure) reply_error(res, *failure);
      if (route.writes || res.status >= 400) audit(req, &who, res.status, failure ? failure->message : "");
    };
  }
};

Server::Server(ServeOptions options) : impl_(std::make_unique<Impl>()), options_(std::move(options)) {}
Server::~Server() = default;

void Server::bind() {
  auto& m = *impl_;
  if (!options_.cert.empty() || !options_.key.empty()) {
    if (options_.cert.empty() || options_.key.empty()) throw InputError("--cert/--key", "HTTPS needs both a certificate and its key");
    m.http = std::make_unique<httplib::SSLServer>(options_.cert.c_str(), options_.key.c_str());
    if (!m.http->is_valid()) throw InputError(options_.cert, "the certificate or key could not be loaded");
  } else {
    m.http = std::make_unique<httplib::Server>();
  }
  m.api = std::make_unique<ApiContext>(options_.db, options_.text_models);
  m.api->set_jobs(std::make_unique<Jobs>(
      options_.pipelines, (std::filesystem::absolute(options_.db).parent_path() / "serve-jobs").string()));
  if (!options_.alarm_rules.empty()) m.alarms = std::make_unique<AlarmWatcher>(*m.api, read_alarm_rules(options_.alarm_rules));
  m.limiter = std::make_unique<RateLimiter>(options_.rate_per_s, options_.burst);
  m.routes = all_routes();
  m.web_dir = options_.web_dir;
  m.secure = !options_.cert.empty();
  if (!m.web_dir.empty() && !std::filesystem::is_regular_file(std::filesystem::path(m.web_dir) / "index.html"))
    throw InputError("--web", m.web_dir + " holds no dashboard (index.html); build it with `make build`");
  m.openapi = openapi_document(m.routes);
  auto& http = *m.http;
  const int threads = options_.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_payload_max_length(options_.max_body);
  http.set_read_timeout(options_.read_timeout_s, 0);
  http.set_write_timeout(options_.write_timeout_s, 0);
  http.set_keep_alive_max_count(10000);
  http.set_keep_alive_timeout(5);
  http.set_tcp_nodelay(true);
  http.set_pre_routing_handler([&m](const httplib::Request& req, httplib::Response& res) { return m.authenticate(req, res); });
  for (const Route& r : m.routes) {
    const std::string pattern = route_pattern(r.path);
    if (r.method == "GET") http.Get(pattern, m.wrap(r));
    else if (r.method == "POST") http.Post(pattern, m.wrap(r));
    else if (r.method == "DELETE") http.Delete(pattern, m.wrap(r));
  }
  if (!m.web_dir.empty()) {
    http.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/dashboard/"); });
    http.Get(R"(/dashboard(/.*)?)", [&m](const httplib::Request& req, httplib::Response& res) { m.dashboard_file(req, res); });
  }
  http.Get("/api/v1/openapi.json", [&m](const httplib::Request&, httplib::Response& res) { reply_json(res, m.openapi); });
  // Errors the router or the HTTP layer found (unknown path, body too large) get a JSON body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([&m](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    ApiError e{res.status, "", fmt::format("HTTP {}", res.status)};
    if (res.status == 400) e.message = "the request could not be read (malformed HTTP)";
    if (res.status == 404) e.message = "no such endpoint: " + req.method + " " + req.path + " (see /api/v1/openapi.json)";
    if (res.status == 413) e = {413, "body", fmt::format("is larger than the limit")};
    reply_error(res, e);
    if (res.status != 404) m.audit(req, t_caller ? &*t_caller : nullptr, e.status, e.message);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("serve: {} {}: {}", req.method, req.path, what);
    reply_error(res, {500, "", "internal error (see the server's log)"});
  });
  if (options_.port == 0) {
    port_ = http.bind_to_any_port(options_.host);
    if (port_ < 0) throw InputError("--listen", fmt::format("cannot listen on {} (any port)", options_.host));
  } else {
    if (!http.bind_to_port(options_.host, options_.port))
      throw InputError("--listen", fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                                               options_.host, options_.port));
    port_ = options_.port;
  }
}

void Server::run(const std::atomic<bool>* stop_flag) {
  if (!impl_->http) bind();
  std::atomic<bool> done{false};
  std::thread watcher;
  if (stop_flag)
    watcher = std::thread([&] {
      while (!done && !*stop_flag) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (*stop_flag) stop();
    });
  if (!options_.mqtt_broker.empty()) {
    // The MQTT source of `xinzhi mqtt ingest`, in this process: its commits reach the API, the
    // live stream and the alarm rules like any other writer's.
    acquire::MqttIngestOptions mo;
    mo.broker = options_.mqtt_broker;
    mo.topics = options_.mqtt_topics;
    mo.db = options_.db;
    mo.client_id = "xinzhi-serve";
    impl_->mqtt = std::thread([this, mo] {
      try {
        const auto st = acquire::MqttIngester(mo).run(&impl_->mqtt_stop);
        spdlog::info("serve: mqtt: {} messages, {} readings, {} quarantined", st.messages, st.readings, st.quarantined);
      } catch (const std::exception& e) {
        spdlog::error("serve: the MQTT ingester stopped: {}", e.what());
      }
    });
  }
  impl_->http->listen_after_bind();
  done = true;
  impl_->mqtt_stop = true;
  if (impl_->mqtt.joinable()) impl_->mqtt.join();
  if (watcher.joinable()) watcher.join();
}

void Server::stop() {
  impl_->mqtt_stop = true;
  if (impl_->alarms) impl_->alarms->stop();
  if (impl_->api) impl_->api->stop_feed();  // live streams end first, so their threads are free
  if (impl_->http) impl_->http->stop();
}

}  // namespace xinzhi::serve
