// The sensor models' output: the latest predictions per machine, and alarms with their states
// (open, acknowledged, cleared), which operators change.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/routes.hpp"
#include "store/serving_queries.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

namespace {
Route state_change(const std::string& verb, const std::string& state) {
  return {"POST", "/api/v1/alarms/{id}/" + verb, Role::operator_, "Marks an alarm " + state,
          {{"id", "path", "integer", true, "the alarm's id"}},
          [state](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller& who) {
            const std::int64_t id = path_id(req, 1, "id");
            const bool found = c.write([&](store::Warehouse& wh) { return store::set_alarm_state(wh.db(), id, state, who.name, now_ms()); });
            if (!found) throw ApiError{404, "id", "no alarm has id " + std::to_string(id)};
            reply_json(res, {{"id", id}, {"state", state}, {"by", who.name}});
          },
          true};
}
}  // namespace

std::vector<Route> alarm_routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/api/v1/predictions", Role::viewer,
               "The latest prediction of each model, machine and target (failure_within, time_to_failure_h and its interval)",
               {{"machine", "query", "string", false, "one machine only"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"predictions", store::predictions_json(c.reader(), param_text(req, "machine", false))}});
               }});
  r.push_back({"GET", "/api/v1/alarms", Role::viewer, "Alarms, latest first",
               {{"state", "query", "string", false, "open, acknowledged or cleared"},
                {"machine", "query", "string", false, "one machine only"},
                {"limit", "query", "integer", false, "1 to 10000 (default 500)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const std::string state = param_text(req, "state", false);
                 if (!state.empty() && state != "open" && state != "acknowledged" && state != "cleared")
                   throw ApiError{400, "state", "'" + state + "' is not open, acknowledged or cleared"};
                 const auto limit = param_int(req, "limit", 1, 10000, false).value_or(500);
                 reply_json(res, {{"alarms", store::alarms_json(c.reader(), state, param_text(req, "machine", false),
                                                                static_cast<int>(limit))}});
               }});
  r.push_back(state_change("ack", "acknowledged"));
  r.push_back(state_change("clear", "cleared"));
  return r;
}

}  // namespace xinzhi::serve
