// `xinzhi serve --db W [--listen HOST:PORT] [--cert C --key K]`: the HTTP API over a warehouse
// (src/serve), on loopback unless told otherwise; SIGTERM or Ctrl-C stop it after the requests
// in flight. `xinzhi token create|list|revoke --db W`: the API tokens, shown once when created.
#include <signal.h>

#include <atomic>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "core/fs.hpp"
#include "serve/server.hpp"
#include "serve/snapshot.hpp"
#include "serve/tokens.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

std::atomic<bool> g_serve_stop{false};
extern "C" void on_serve_stop(int) { g_serve_stop = true; }

// "HOST:PORT", "[V6]:PORT" or ":PORT" (loopback).
void parse_listen(const std::string& s, serve::ServeOptions& o) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) throw InputError("--listen", "'" + s + "' is not HOST:PORT (for example 127.0.0.1:8080)");
  std::string host = s.substr(0, colon);
  const std::string port = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  int p = -1;
  try {
    std::size_t used = 0;
    p = std::stoi(port, &used);
    if (used != port.size()) p = -1;
  } catch (const std::exception&) {
  }
  if (p < 0 || p > 65535) throw InputError("--listen", "'" + port + "' is not a port (0 to 65535; 0: any free one)");
  o.host = host;
  o.port = p;
}

struct ServeCli {
  serve::ServeOptions o;
  std::string snapshot;
  std::string listen = "127.0.0.1:8080";
};

void run_serve(ServeCli& c) {
  if (!c.snapshot.empty()) {  // the dashboard in one file, no server
    const std::string web = c.o.web_dir.empty() ? serve::installed_dashboard_dir() : c.o.web_dir;
    if (web.empty()) throw InputError("--web", "no dashboard was built next to the binary; give its folder");
    write_file_atomic(c.snapshot, serve::dashboard_snapshot(c.o.db, web));
    std::cout << "serve: wrote the dashboard of " << c.o.db << " to " << c.snapshot << " (open it in a browser)\n";
    return;
  }
  parse_listen(c.listen, c.o);
  {
    store::Warehouse wh(c.o.db, false);  // exists, migrated to the current schema
    if (store::count_valid_tokens(wh.db()) == 0)
      std::cerr << fmt::format("serve: {} has no valid API token; every request will get 401. Create one with\n"
                               "  xinzhi token create --db {} --role viewer --name NAME\n",
                               c.o.db, c.o.db);
  }
  const bool loopback = c.o.host == "127.0.0.1" || c.o.host == "::1" || c.o.host == "localhost";
  if (!loopback) std::cerr << fmt::format("serve: listening on {}, which is not loopback: reachable from other machines\n", c.o.host);
  if (c.o.web_dir.empty()) {
    // The dashboard the build assembled next to the binary.
    c.o.web_dir = serve::installed_dashboard_dir();
    if (c.o.web_dir.empty()) std::cerr << "serve: no dashboard found next to the binary (dashboard/index.html): the API only\n";
  } else if (c.o.web_dir == "none") {
    c.o.web_dir.clear();
  }
  serve::Server server(c.o);
  server.bind();
  struct sigaction sa {};
  sa.sa_handler = on_serve_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  const bool tls = !c.o.cert.empty();
  const std::string host = c.o.host.find(':') != std::string::npos ? "[" + c.o.host + "]" : c.o.host;
  std::cout << fmt::format("serve: listening on {}://{}:{}/api/v1 (warehouse {}; the API is described at "
                           "/api/v1/openapi.json)\n",
                           tls ? "https" : "http", host, server.port(), c.o.db)
            << std::flush;
  if (!c.o.web_dir.empty())
    std::cout << fmt::format("serve: the dashboard: {}://{}:{}/dashboard/?token=<a viewer token>\n", tls ? "https" : "http",
                             host, server.port())
              << std::flush;
  server.run(&g_serve_stop);
  std::cout << "serve: stopped\n" << std::flush;
}

struct TokenCli {
  std::string db, name, role = "viewer";
  bool json = false;
};

}  // namespace

void add_serve_command(CLI::App& app) {
  auto c = std::make_shared<ServeCli>();
  CLI::App* s = app.add_subcommand("serve", "Serve the warehouse over HTTP: the API under /api/v1 (tokens required)");
  s->add_option("--db", c->o.db, "Warehouse to serve (it must exist)")->required();
  s->add_option("--listen", c->listen, "HOST:PORT to listen on (port 0: any free one; loopback unless told otherwise)")
      ->capture_default_str();
  s->add_option("--cert", c->o.cert, "TLS certificate (PEM): serve HTTPS");
  s->add_option("--key", c->o.key, "TLS private key (PEM) of --cert");
  s->add_option("--rate-limit", c->o.rate_per_s, "Requests per second per token (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  s->add_option("--burst", c->o.burst, "Requests a token may send at once above its rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  s->add_option("--max-body", c->o.max_body, "Largest request body in bytes")->check(CLI::Range(1024, 1 << 30))->capture_default_str();
  s->add_option("--timeout", c->o.read_timeout_s, "Seconds a client may stay silent while sending a request")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  s->add_option("--text-model", c->o.text_models,
                "A text model folder (xinzhi text train, the pipeline's models/text-*) to answer POST /api/v1/text/predict; repeat for several")
      ->check(CLI::ExistingDirectory);
  s->add_option("--mqtt", c->o.mqtt_broker, "Also ingest from this MQTT broker (tcp://HOST:PORT), as `xinzhi mqtt ingest` does");
  s->add_option("--topic", c->o.mqtt_topics, "MQTT topic filters with --mqtt")->capture_default_str();
  s->add_option("--pipeline", c->o.pipelines, "A pipeline file operators may run (POST /api/v1/jobs); repeat for several")
      ->check(CLI::ExistingFile);
  s->add_option("--alarms", c->o.alarm_rules,
                "Alarm rules (YAML: above, below, rate_per_min, minutes without data, or anomaly_score; see src/serve/alarm_rules.hpp)")
      ->check(CLI::ExistingFile);
  s->add_option("--snapshot", c->snapshot, "Write the dashboard of the warehouse as one self-contained HTML file and exit");
  s->add_option("--web", c->o.web_dir, "The dashboard's folder (default: dashboard/ next to the binary; none: no dashboard)");
  s->add_option("--threads", c->o.threads, "Connections served at once (one thread each)")
      ->check(CLI::Range(2, 4096))
      ->capture_default_str();
  s->callback([c] {
    c->o.write_timeout_s = c->o.read_timeout_s;
    run_serve(*c);
  });
}

void add_token_command(CLI::App& app) {
  CLI::App* t = app.add_subcommand("token", "The server's API tokens: create (shown once), list, revoke");
  t->require_subcommand(1);
  auto c = std::make_shared<TokenCli>();

  CLI::App* create = t->add_subcommand("create", "Create a token and print it (only its salted hash is stored)");
  create->add_option("--db", c->db, "Warehouse")->required();
  create->add_option("--name", c->name, "A name for the token (letters, digits, - _ .), unique")->required();
  create->add_option("--role", c->role, "viewer (reads), operator (also writes readings, changes alarms), admin (also manages tokens)")
      ->check(CLI::IsMember({"viewer", "operator", "admin"}))
      ->capture_default_str();
  create->callback([c] {
    store::Warehouse wh(c->db, false);
    const auto created = serve::create_token(wh.db(), c->name, *serve::parse_role(c->role));
    std::cerr << fmt::format("token '{}' ({}) created; it is shown this once:\n", created.name, c->role);
    std::cout << created.secret << "\n" << std::flush;
  });

  CLI::App* list = t->add_subcommand("list", "List the tokens: name, role, created, revoked (never a secret)");
  list->add_option("--db", c->db, "Warehouse")->required();
  list->callback([c] {
    store::Warehouse wh = store::Warehouse::open_read_only(c->db);
    const auto tokens = store::list_api_tokens(wh.db());
    std::cout << fmt::format("{:<24} {:<9} {:<25} {}\n", "name", "role", "created", "revoked");
    for (const auto& k : tokens)
      std::cout << fmt::format("{:<24} {:<9} {:<25} {}\n", k.name, k.role, format_iso8601(k.created_ms),
                               k.revoked_ms ? format_iso8601(*k.revoked_ms) : "-");
    if (tokens.empty()) std::cout << "(no tokens: xinzhi token create --db " << c->db << " --name NAME --role viewer)\n";
  });

  CLI::App* revoke = t->add_subcommand("revoke", "Revoke a token by name (the server refuses it from its next request)");
  revoke->add_option("--db", c->db, "Warehouse")->required();
  revoke->add_option("--name", c->name, "The token's name")->required();
  revoke->callback([c] {
    store::Warehouse wh(c->db, false);
    if (!store::revoke_api_token(wh.db(), c->name, now_ms()))
      throw InputError("--name", "no valid token is named '" + c->name + "' (see xinzhi token list)");
    std::cout << "token '" << c->name << "' revoked\n";
  });
}

}  // namespace xinzhi::cli
