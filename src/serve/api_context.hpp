// What every API handler works with: the warehouse (one read-only connection per server
// thread, one writer behind a lock), the caller, errors that become JSON answers, and the
// parsing of query parameters with the field named in every message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/time.hpp"
#include "serve/tokens.hpp"
#include "store/sqlite.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace xinzhi::store {
class Warehouse;
class SeriesQueries;
}  // namespace xinzhi::store

namespace xinzhi::serve {

class SeriesCache;
class TextService;
class LiveFeed;
class Jobs;

// An answer other than 200: its status, the request field it is about ("" for none) and why.
struct ApiError {
  int status = 400;
  std::string field, message;
};

class ApiContext {
 public:
  ApiContext(std::string db_path, const std::vector<std::string>& text_models);
  ~ApiContext();

  const std::string& db_path() const { return db_path_; }
  TextService& text() { return *text_; }
  // The feed of new rows, started by its first user (the live stream, the alarm rules): a
  // context that never streams (a snapshot) polls nothing.
  LiveFeed& feed();
  // Stops the feed if it was started.
  void stop_feed();
  Jobs& jobs() { return *jobs_; }
  void set_jobs(std::unique_ptr<Jobs> jobs);
  // This thread's read-only connection (opened on first use) and its prepared series queries.
  store::Database& reader();
  store::SeriesQueries& series();
  SeriesCache& cache() { return *cache_; }
  // The one writer: run f with the warehouse under the lock.
  template <class F>
  auto write(F&& f) {
    std::lock_guard<std::mutex> lock(write_mutex_);
    return f(*writer_);
  }

 private:
  std::string db_path_;
  std::unique_ptr<TextService> text_;
  std::mutex write_mutex_;
  std::unique_ptr<store::Warehouse> writer_;
  std::unique_ptr<SeriesCache> cache_;
  std::once_flag feed_started_;
  std::unique_ptr<LiveFeed> feed_;
  std::unique_ptr<Jobs> jobs_;
};

// Sends a JSON body with the status.
void reply_json(httplib::Response& res, const nlohmann::json& body, int status = 200);
// Sends {"error": {"status", "field", "message"}}.
void reply_error(httplib::Response& res, const ApiError& e);

// Query parameters, each refused with a 400 that names it.
std::string param_text(const httplib::Request& req, const char* name, bool required, std::size_t max_size = 256);
std::optional<std::int64_t> param_int(const httplib::Request& req, const char* name, std::int64_t lo, std::int64_t hi,
                                      bool required);
// A time: UTC milliseconds or ISO-8601.
std::optional<TimestampMs> param_time(const httplib::Request& req, const char* name, bool required);
// The n-th regex group of the path (1-based) as an id.
std::int64_t path_id(const httplib::Request& req, int group, const char* name);

}  // namespace xinzhi::serve
