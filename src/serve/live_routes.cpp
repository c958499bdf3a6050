// GET /api/v1/stream: Server-Sent Events of new readings and alarms, as they are committed.
#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/live_feed.hpp"
#include "serve/routes.hpp"
#include "store/serving_queries.hpp"

namespace xinzhi::serve {

namespace {

void stream(ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
  const std::string machine = param_text(req, "machine", false), sensor = param_text(req, "sensor", false);
  LiveFeed& feed = c.feed();
  auto seq = std::make_shared<std::uint64_t>(feed.head());
  feed.subscribe(1);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&c, &feed, seq, machine, sensor](std::size_t offset, httplib::DataSink& sink) {
        if (offset == 0) {  // at once, so that the client knows it is subscribed
          static const std::string hello = ": xinzhi live feed\nretry: 2000\n\n";
          if (!sink.write(hello.data(), hello.size())) return false;
        }
        std::uint64_t missed = 0;
        const auto batches = feed.wait_after(*seq, 15000, missed);
        if (feed.stopping()) {
          sink.done();
          return true;
        }
        std::string out;
        if (missed) out += fmt::format("event: missed\ndata: {{\"batches\":{}}}\n\n", missed);
        for (const auto& b : batches) {
          std::string rows;
          for (const auto& r : b->readings) {
            if ((!machine.empty() && r.machine != machine) || (!sensor.empty() && r.sensor != sensor)) continue;
            fmt::format_to(std::back_inserter(rows), R"({}{{"ts":{},"machine":{},"sensor":{},"value":{}}})",
                           rows.empty() ? "" : ",", r.ts, nlohmann::json(r.machine).dump(), nlohmann::json(r.sensor).dump(), r.value);
          }
          if (!rows.empty()) out += fmt::format("event: readings\nid: {}\ndata: [{}]\n\n", b->seq, rows);
          if (b->alarms_to > b->alarms_after) {
            nlohmann::json alarms = store::alarms_between_json(c.reader(), b->alarms_after, b->alarms_to);
            if (!machine.empty()) {
              nlohmann::json kept = nlohmann::json::array();
              for (auto& a : alarms)
                if (a["machine"] == machine) kept.push_back(a);
              alarms = kept;
            }
            if (!alarms.empty()) out += fmt::format("event: alarms\nid: {}\ndata: {}\n\n", b->seq, alarms.dump());
          }
          *seq = b->seq;
        }
        if (out.empty()) out = ": keep-alive\n\n";  // also finds a client that went away
        return sink.write(out.data(), out.size());
      },
      [&feed](bool) { feed.subscribe(-1); });
}

}  // namespace

std::vector<Route> live_routes() {
  return {{"GET", "/api/v1/stream", Role::viewer,
           "Server-Sent Events: `readings` (a list of {ts, machine, sensor, value}) as they are committed, whichever "
           "process wrote them, and `alarms` as they are raised; a comment every 15 s keeps the stream open",
           {{"machine", "query", "string", false, "one machine only"}, {"sensor", "query", "string", false, "one sensor only"}},
           stream}};
}

}  // namespace xinzhi::serve
