#include "serve/api_context.hpp"

#include <charconv>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/jobs.hpp"
#include "serve/live_feed.hpp"
#include "serve/series_cache.hpp"
#include "serve/text_service.hpp"
#include "store/serving_queries.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

namespace {
// Per server thread: its connection to the warehouse and the statements prepared on it.
struct ThreadReader {
  std::string path;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<store::SeriesQueries> series;
};
thread_local ThreadReader t_reader;

// The whole text as a decimal integer, or nothing.
std::optional<std::int64_t> whole_int(const std::string& v) {
  std::int64_t x = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return x;
}

ThreadReader& thread_reader(const std::string& path) {
  if (!t_reader.db || t_reader.path != path) {
    t_reader.series.reset();
    // The writer opened (and migrated) the warehouse before any reader exists.
    t_reader.db = std::make_unique<store::Database>(path, store::Database::Mode::read_only);
    t_reader.db->exec("PRAGMA busy_timeout = 5000");
    t_reader.series = std::make_unique<store::SeriesQueries>(*t_reader.db);
    t_reader.path = path;
  }
  return t_reader;
}
}  // namespace

ApiContext::ApiContext(std::string db_path, const std::vector<std::string>& text_models)
    : db_path_(std::move(db_path)), text_(std::make_unique<TextService>(text_models)) {
  writer_ = std::make_unique<store::Warehouse>(db_path_, false);
  store::ensure_serving_indexes(writer_->db());
  cache_ = std::make_unique<SeriesCache>();
}

ApiContext::~ApiContext() = default;

LiveFeed& ApiContext::feed() {
  std::call_once(feed_started_, [this] { feed_ = std::make_unique<LiveFeed>(db_path_); });
  return *feed_;
}

void ApiContext::stop_feed() {
  std::call_once(feed_started_, [] {});  // none started: none will be
  if (feed_) feed_->stop();
}

void ApiContext::set_jobs(std::unique_ptr<Jobs> jobs) { jobs_ = std::move(jobs); }

store::Database& ApiContext::reader() { return *thread_reader(db_path_).db; }
store::SeriesQueries& ApiContext::series() { return *thread_reader(db_path_).series; }

void reply_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& res, const ApiError& e) {
  nlohmann::json body = {{"error", {{"status", e.status}, {"message", e.message}}}};
  if (!e.field.empty()) body["error"]["field"] = e.field;
  reply_json(res, body, e.status);
}

std::string param_text(const httplib::Request& req, const char* name, bool required, std::size_t max_size) {
  if (!req.has_param(name)) {
    if (required) throw ApiError{400, name, fmt::format("the query parameter '{}' is required", name)};
    return "";
  }
  std::string v = req.get_param_value(name);
  if (v.size() > max_size) throw ApiError{400, name, fmt::format("is longer than {} bytes", max_size)};
  return v;
}

std::optional<std::int64_t> param_int(const httplib::Request& req, const char* name, std::int64_t lo, std::int64_t hi,
                                      bool required) {
  const std::string v = param_text(req, name, required, 32);
  if (v.empty()) {
    if (required) throw ApiError{400, name, "is empty"};
    return std::nullopt;
  }
  const auto parsed = whole_int(v);
  if (!parsed) throw ApiError{400, name, fmt::format("'{}' is not an integer", v)};
  const std::int64_t x = *parsed;
  if (x < lo || x > hi) throw ApiError{400, name, fmt::format("{} is outside [{}, {}]", x, lo, hi)};
  return x;
}

std::optional<TimestampMs> param_time(const httplib::Request& req, const char* name, bool required) {
  const std::string v = param_text(req, name, required, 64);
  if (v.empty()) {
    if (required) throw ApiError{400, name, "is empty"};
    return std::nullopt;
  }
  if (const auto x = whole_int(v)) return *x;
  if (const auto t = parse_iso8601(v)) return *t;
  throw ApiError{400, name, fmt::format("'{}' is neither UTC milliseconds nor an ISO-8601 time", v)};
}

std::int64_t path_id(const httplib::Request& req, int group, const char* name) {
  if (static_cast<std::size_t>(group) >= req.matches.size()) throw ApiError{400, name, "is missing from the path"};
  const std::string v = req.matches[group];
  const auto x = whole_int(v);
  if (!x || *x < 0) throw ApiError{400, name, fmt::format("'{}' is not an id", v)};
  return *x;
}

}  // namespace xinzhi::serve
