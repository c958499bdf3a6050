// The API as one list: each route's method, path, least role, parameters and handler. The server
// registers the list and the OpenAPI document is written from it, so the two cannot disagree.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "serve/api_context.hpp"
#include "serve/tokens.hpp"

namespace xinzhi::serve {

struct RouteParam {
  std::string name;
  std::string in = "query";  // query, path
  std::string type = "string";  // string, integer
  bool required = false;
  std::string description;
};

using RouteHandler = std::function<void(ApiContext&, const httplib::Request&, httplib::Response&, const Caller&)>;

struct Route {
  std::string method;   // GET, POST, DELETE
  std::string path;     // OpenAPI form: /api/v1/alarms/{id}/ack
  Role role = Role::viewer;  // the least role that may call it
  std::string summary;
  std::vector<RouteParam> params;
  RouteHandler handler;
  bool writes = false;  // audited, and refused to a viewer whatever its role says
  std::string body;     // the request body, described ("" for none)
};

// The path as a regular expression for the router: {name} becomes ([^/]+).
std::string route_pattern(const std::string& path);

std::vector<Route> plant_routes();     // machines, sensors, readings, latest, quality, quarantine, downtime
std::vector<Route> alarm_routes();     // predictions; alarms: list, acknowledge, clear
std::vector<Route> ingest_routes();    // POST readings
std::vector<Route> run_routes();       // pipeline runs
std::vector<Route> token_routes();     // tokens (admin), audit (admin)
std::vector<Route> text_routes();      // the text models
std::vector<Route> live_routes();      // Server-Sent Events of new readings and alarms
std::vector<Route> all_routes();

// The OpenAPI 3 document of the routes.
nlohmann::json openapi_document(const std::vector<Route>& routes);

}  // namespace xinzhi::serve
