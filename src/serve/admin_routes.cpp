// Pipeline runs (read), and what only an admin may do: manage tokens and read the audit trail.
#include <filesystem>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "serve/jobs.hpp"
#include "serve/routes.hpp"
#include "store/serving_queries.hpp"
#include "store/serving_tables.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

std::vector<Route> run_routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/api/v1/runs", Role::viewer, "Pipeline runs recorded in the warehouse, latest first",
               {{"limit", "query", "integer", false, "1 to 1000 (default 50)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const auto limit = param_int(req, "limit", 1, 1000, false).value_or(50);
                 reply_json(res, {{"runs", store::runs_json(c.reader(), static_cast<int>(limit))}});
               }});
  r.push_back({"GET", "/api/v1/runs/{id}", Role::viewer, "One run with its metrics",
               {{"id", "path", "integer", true, "the run's id"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const std::int64_t id = path_id(req, 1, "id");
                 const auto run = store::run_json(c.reader(), id);
                 if (!run) throw ApiError{404, "id", "no run has id " + std::to_string(id)};
                 reply_json(res, *run);
               }});
  r.push_back({"GET", "/api/v1/runs/{id}/report", Role::viewer,
               "One run's report.html (or ?file=dashboard.html, its dashboard), from the run's folder", 
               {{"id", "path", "integer", true, "the run's id"},
                {"file", "query", "string", false, "report.html (default) or dashboard.html"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const std::int64_t id = path_id(req, 1, "id");
                 const std::string file = param_text(req, "file", false).empty() ? "report.html" : param_text(req, "file", false);
                 if (file != "report.html" && file != "dashboard.html")
                   throw ApiError{400, "file", "must be report.html or dashboard.html"};
                 const auto run = store::run_json(c.reader(), id);
                 if (!run) throw ApiError{404, "id", "no run has id " + std::to_string(id)};
                 const std::filesystem::path path = std::filesystem::path(run->at("folder").get<std::string>()) / file;
                 std::error_code ec;
                 if (!std::filesystem::is_regular_file(path, ec))
                   throw ApiError{404, "file", "the run's folder has no " + file + " (moved or removed?)"};
                 res.set_content(read_file(path.string()), "text/html; charset=utf-8");
               }});
  r.push_back({"GET", "/api/v1/schedules/latest", Role::viewer,
               "The latest plan made from the warehouse's orders: makespan and weighted tardiness against FIFO's, and "
               "every operation (order, step, machine, start, end, due) for a Gantt chart", {},
               [](ApiContext& c, const httplib::Request&, httplib::Response& res, const Caller&) {
                 const auto s = store::latest_schedule_json(c.reader());
                 if (!s) throw ApiError{404, "", "no plan in the warehouse yet (xinzhi schedule --db, or a pipeline's schedule stage)"};
                 reply_json(res, *s);
               }});
  r.push_back({"GET", "/api/v1/pipelines", Role::viewer, "The pipelines this server may run (xinzhi serve --pipeline FILE)", {},
               [](ApiContext& c, const httplib::Request&, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"pipelines", c.jobs().pipelines()}});
               }});
  r.push_back({"POST", "/api/v1/jobs", Role::operator_,
               "Starts a pipeline run (`xinzhi run FILE` as a child process); poll GET /api/v1/jobs/{id}", {},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller& who) {
                 const auto body = nlohmann::json::parse(req.body, nullptr, false);
                 if (body.is_discarded() || !body.is_object() || !body.contains("pipeline") || !body["pipeline"].is_string())
                   throw ApiError{400, "pipeline", "is required: {\"pipeline\": \"NAME\"} (GET /api/v1/pipelines)"};
                 reply_json(res, c.jobs().start(body["pipeline"].get<std::string>(), who.name), 202);
               },
               true, "application/json {\"pipeline\": \"NAME\"}"});
  r.push_back({"GET", "/api/v1/jobs", Role::viewer, "Jobs started since the server started", {},
               [](ApiContext& c, const httplib::Request&, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"jobs", c.jobs().list()}});
               }});
  r.push_back({"GET", "/api/v1/jobs/{id}", Role::viewer,
               "A job's state (running, ok, failed), exit code, report and the last lines of its output",
               {{"id", "path", "integer", true, "the job's id"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 reply_json(res, c.jobs().get(path_id(req, 1, "id")));
               }});
  return r;
}

std::vector<Route> token_routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/api/v1/tokens", Role::admin, "The API tokens: name, role, created, revoked (never a secret)", {},
               [](ApiContext& c, const httplib::Request&, httplib::Response& res, const Caller&) {
                 nlohmann::json list = nlohmann::json::array();
                 for (const auto& t : store::list_api_tokens(c.reader()))
                   list.push_back({{"name", t.name},
                                   {"role", t.role},
                                   {"created_ms", t.created_ms},
                                   {"revoked_ms", t.revoked_ms ? nlohmann::json(*t.revoked_ms) : nlohmann::json(nullptr)}});
                 reply_json(res, {{"tokens", list}});
               }});
  r.push_back({"POST", "/api/v1/tokens", Role::admin,
               "Creates a token; the answer holds its secret, shown this once and stored only as a salted hash", {},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const auto body = nlohmann::json::parse(req.body, nullptr, false);
                 if (body.is_discarded() || !body.is_object()) throw ApiError{400, "body", "must be a JSON object {\"name\", \"role\"}"};
                 if (!body.contains("name") || !body["name"].is_string()) throw ApiError{400, "name", "is required (a string)"};
                 if (!body.contains("role") || !body["role"].is_string()) throw ApiError{400, "role", "is required (viewer, operator or admin)"};
                 const auto role = parse_role(body["role"].get<std::string>());
                 if (!role) throw ApiError{400, "role", "must be viewer, operator or admin"};
                 const std::string name = body["name"].get<std::string>();
                 const CreatedToken t = c.write([&](store::Warehouse& wh) { return create_token(wh.db(), name, *role); });
                 reply_json(res, {{"name", t.name}, {"role", role_name(t.role)}, {"token", t.secret}}, 201);
               },
               true, "application/json {\"name\": \"...\", \"role\": \"viewer|operator|admin\"}"});
  r.push_back({"DELETE", "/api/v1/tokens/{name}", Role::admin, "Revokes a token", {{"name", "path", "string", true, ""}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const std::string name = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
                 const bool done = c.write([&](store::Warehouse& wh) { return store::revoke_api_token(wh.db(), name, now_ms()); });
                 if (!done) throw ApiError{404, "name", "no valid token is named '" + name + "'"};
                 reply_json(res, {{"name", name}, {"revoked", true}});
               },
               true});
  r.push_back({"GET", "/api/v1/audit", Role::admin, "The audit trail: every write and every refused request, latest first",
               {{"limit", "query", "integer", false, "1 to 10000 (default 200)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const auto limit = param_int(req, "limit", 1, 10000, false).value_or(200);
                 nlohmann::json list = nlohmann::json::array();
                 for (const auto& e : store::read_audit(c.reader(), static_cast<int>(limit)))
                   list.push_back({{"ts", e.ts}, {"token", e.token}, {"role", e.role}, {"method", e.method},
                                   {"path", e.path}, {"status", e.status}, {"detail", e.detail}, {"remote", e.remote}});
                 reply_json(res, {{"audit", list}});
               }});
  return r;
}

}  // namespace xinzhi::serve
