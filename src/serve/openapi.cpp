// The route list and the OpenAPI 3 document written from it.
#include <regex>

#include <nlohmann/json.hpp>

#include "serve/routes.hpp"

namespace xinzhi::serve {

std::string route_pattern(const std::string& path) {
  static const std::regex param(R"(\{[^}]+\})");
  return std::regex_replace(path, param, "([^/]+)");
}

std::vector<Route> all_routes() {
  std::vector<Route> all;
  for (auto part : {plant_routes, alarm_routes, ingest_routes, run_routes, token_routes, text_routes, live_routes})
    for (auto& r : part()) all.push_back(std::move(r));
  return all;
}

nlohmann::json openapi_document(const std::vector<Route>& routes) {
  nlohmann::json paths = nlohmann::json::object();
  auto error_ref = nlohmann::json{{"$ref", "#/components/responses/Error"}};
  for (const auto& r : routes) {
    nlohmann::json op = {{"summary", r.summary},
                         {"x-least-role", role_name(r.role)},
                         {"security", {{{"bearer", nlohmann::json::array()}}}},
                         {"responses",
                          {{r.method == "POST" && r.path == "/api/v1/tokens" ? "201" : r.method == "POST" && r.path == "/api/v1/jobs" ? "202" : "200",
                            {{"description", "the answer, as JSON"}}},
                           {"400", error_ref},
                           {"401", error_ref},
                           {"403", error_ref},
                           {"404", error_ref},
                           {"429", error_ref}}}};
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : r.params)
      params.push_back({{"name", p.name},
                        {"in", p.in},
                        {"required", p.required || p.in == "path"},
                        {"description", p.description},
                        {"schema", {{"type", p.type}}}});
    if (!params.empty()) op["parameters"] = params;
    if (!r.body.empty())
      op["requestBody"] = {{"description", r.body}, {"required", true},
                           {"content", {{"application/json", nlohmann::json::object()},
                                        {"text/csv", nlohmann::json::object()}}}};
    std::string method = r.method;
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    paths[r.path][method] = op;
  }
  paths["/api/v1/openapi.json"]["get"] = {{"summary", "This document"},
                                          {"security", {{{"bearer", nlohmann::json::array()}}}},
                                          {"responses", {{"200", {{"description", "OpenAPI 3.0 document"}}}}}};
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "xinzhi API"},
            {"version", "1"},
            {"description", "The warehouse of a running plant: readings, quality, predictions, alarms, runs. Every "
                            "request needs a bearer token (xinzhi token create); viewers read, operators also write "
                            "readings and change alarms, admins also manage tokens."}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
            {"responses",
             {{"Error",
               {{"description", "{\"error\": {\"status\", \"field\", \"message\"}}"},
                {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}}}}}}};
}

}  // namespace xinzhi::serve
