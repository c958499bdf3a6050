// Reading the plant: machines and sensors with units, a series over a time range downsampled to
// N buckets, the latest values, data quality and the quarantine, downtime windows.
#include <limits>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/routes.hpp"
#include "serve/series_cache.hpp"
#include "store/serving_queries.hpp"

namespace xinzhi::serve {

namespace {
constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max() / 4;
}

std::vector<Route> plant_routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/api/v1/machines", Role::viewer, "The plant's machines: type, gateway, readings' time range, sensors and open alarms",
               {}, [](ApiContext& c, const httplib::Request&, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"machines", store::machines_json(c.reader())}});
               }});
  r.push_back({"GET", "/api/v1/sensors", Role::viewer, "Sensors with their units, sample intervals, counts and time ranges",
               {{"machine", "query", "string", false, "one machine only"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"sensors", store::sensors_json(c.reader(), param_text(req, "machine", false))}});
               }});
  r.push_back({"GET", "/api/v1/readings", Role::viewer,
               "A series over [from, to) cut into `points` buckets of equal width: min, avg, max and count of each",
               {{"machine", "query", "string", true, ""},
                {"sensor", "query", "string", true, ""},
                {"from", "query", "string", true, "UTC milliseconds or ISO-8601"},
                {"to", "query", "string", true, "UTC milliseconds or ISO-8601, after from"},
                {"points", "query", "integer", false, "buckets, 1 to 10000 (default 500)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const std::string machine = param_text(req, "machine", true), sensor = param_text(req, "sensor", true);
                 const TimestampMs from = *param_time(req, "from", true), to = *param_time(req, "to", true);
                 if (to <= from) throw ApiError{400, "to", "must be after from"};
                 if (from < -kMaxTime || to > kMaxTime) throw ApiError{400, "from", "is out of range"};
                 const int points = static_cast<int>(param_int(req, "points", 1, 10000, false).value_or(500));
                 const auto buckets = c.cache().buckets(c.reader(), c.series(), machine, sensor, from, to, points);
                 // Written by hand: this is the hot endpoint, and a bucket is five numbers.
                 std::string body = fmt::format(R"({{"machine":{},"sensor":{},"from":{},"to":{},"buckets":[)",
                                                nlohmann::json(machine).dump(), nlohmann::json(sensor).dump(), from, to);
                 for (std::size_t i = 0; i < buckets.size(); ++i) {
                   const auto& b = buckets[i];
                   fmt::format_to(std::back_inserter(body), R"({}{{"ts":{},"min":{},"avg":{},"max":{},"n":{}}})",
                                  i ? "," : "", b.ts, b.min, b.avg, b.max, b.n);
                 }
                 body += "]}";
                 res.set_content(body, "application/json");
               }});
  r.push_back({"GET", "/api/v1/latest", Role::viewer, "Each sensor's latest reading of a machine",
               {{"machine", "query", "string", true, ""}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const std::string machine = param_text(req, "machine", true);
                 nlohmann::json sensors = nlohmann::json::object();
                 for (const auto& l : c.series().latest(machine))
                   sensors[l.sensor] = {{"ts", l.ts}, {"value", l.value ? nlohmann::json(*l.value) : nlohmann::json(nullptr)}};
                 reply_json(res, {{"machine", machine}, {"sensors", sensors}});
               }});
  r.push_back({"GET", "/api/v1/quality", Role::viewer,
               "Data quality per series from the latest cleaning (completeness, consistency, timeliness, validity; before and after)",
               {{"machine", "query", "string", false, "one machine only"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"quality", store::quality_json(c.reader(), param_text(req, "machine", false))}});
               }});
  r.push_back({"GET", "/api/v1/quarantine", Role::viewer, "Input that could not be used: counts by reason and the latest rows",
               {{"limit", "query", "integer", false, "rows, 1 to 1000 (default 100)"},
                {"before", "query", "integer", false, "rows with an id below this (paging)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const auto limit = param_int(req, "limit", 1, 1000, false).value_or(100);
                 const auto before = param_int(req, "before", 0, std::numeric_limits<std::int64_t>::max(), false).value_or(0);
                 reply_json(res, store::quarantine_json(c.reader(), static_cast<int>(limit), before));
               }});
  r.push_back({"GET", "/api/v1/cleaning", Role::viewer,
               "What the cleaning did to one series (defects found: spikes, out-of-range, stuck, duplicates, "
               "timestamps, units; values imputed), for markers on its chart",
               {{"machine", "query", "string", true, ""}, {"sensor", "query", "string", true, ""},
                {"limit", "query", "integer", false, "of each kind, 1 to 20000 (default 5000)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const auto limit = param_int(req, "limit", 1, 20000, false).value_or(5000);
                 reply_json(res, store::cleaning_json(c.reader(), param_text(req, "machine", true),
                                                      param_text(req, "sensor", true), static_cast<int>(limit)));
               }});
  r.push_back({"GET", "/api/v1/breakdowns", Role::viewer,
               "Breakdowns from the maintenance log (a fault record to the next repair record)",
               {{"machine", "query", "string", false, "one machine only"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"breakdowns", store::breakdowns_json(c.reader(), param_text(req, "machine", false))}});
               }});
  r.push_back({"GET", "/api/v1/downtime", Role::viewer, "Downtime windows (planned and predicted) overlapping [from, to)",
               {{"from", "query", "string", false, "UTC milliseconds or ISO-8601"},
                {"to", "query", "string", false, "UTC milliseconds or ISO-8601"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const TimestampMs from = param_time(req, "from", false).value_or(-kMaxTime);
                 const TimestampMs to = param_time(req, "to", false).value_or(kMaxTime);
                 reply_json(res, {{"windows", store::downtime_json(c.reader(), from, to)}});
               }});
  return r;
}

}  // namespace xinzhi::serve
