// `xinzhi serve`: the HTTP API over a warehouse (cpp-httplib; TLS with a certificate and key),
// bound to loopback unless told otherwise. Every request needs a bearer token (tokens.hpp):
// 401 without one or with a bad one, 403 for a role that may not, 429 past the token's rate;
// bodies and reads are limited in size and time; every write and every refused request goes
// into the audit table. stop() (SIGTERM in the command) lets requests in flight finish.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace xinzhi::serve {

struct ServeOptions {
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (port() says which)
  std::string cert, key;            // both: HTTPS
  double rate_per_s = 200;          // per token; 0: no limit
  double burst = 400;
  std::size_t max_body = 8u << 20;  // bytes
  int read_timeout_s = 5, write_timeout_s = 5;
  int threads = 256;                // one per open connection (a live stream holds one)
  std::vector<std::string> text_models;  // model folders answering /api/v1/text/predict
  std::string mqtt_broker;          // tcp://HOST:PORT: run the MQTT ingester in this process; "": none
  std::vector<std::string> mqtt_topics = {"plant/+/readings"};
  std::vector<std::string> pipelines;  // pipeline files operators may run (POST /api/v1/jobs)
  std::string alarm_rules;          // a rule file (alarm_rules.hpp); "": none
  std::string web_dir;              // the dashboard's files (<build>/dashboard); "": no dashboard
};

class Server {
 public:
  explicit Server(ServeOptions options);
  ~Server();
  // Binds; throws InputError naming --listen when the address cannot be bound.
  void bind();
  int port() const { return port_; }
  // Serves until stop() (or *stop_flag turns true); returns after requests in flight finished.
  void run(const std::atomic<bool>* stop_flag = nullptr);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServeOptions options_;
  int port_ = 0;
};

}  // namespace xinzhi::serve
