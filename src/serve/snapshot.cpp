#include "serve/snapshot.hpp"

#include <filesystem>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "serve/api_context.hpp"
#include "serve/routes.hpp"

namespace xinzhi::serve {

namespace fs = std::filesystem;

namespace {

// "</" would end the inline script early.
std::string inline_safe(std::string s) {
  for (std::size_t at = 0; (at = s.find("</", at)) != std::string::npos; at += 3) s.replace(at, 2, "<\\/");
  return s;
}

void replace_once(std::string& s, const std::string& what, const std::string& with, const std::string& file) {
  const auto at = s.find(what);
  if (at == std::string::npos) throw InputError(file, "lacks '" + what + "' (not the dashboard this build knows)");
  s.replace(at, what.size(), with);
}

}  // namespace

std::string installed_dashboard_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const auto dir = exe.parent_path() / "dashboard";
  return fs::exists(dir / "index.html", ec) ? dir.string() : "";
}

std::string dashboard_snapshot(const std::string& db, const std::string& web_dir) {
  const fs::path web(web_dir);
  if (!fs::exists(web / "index.html")) throw InputError(web_dir, "holds no dashboard (index.html)");
  ApiContext api(db, {});
  const auto routes = all_routes();
  const Caller viewer{"snapshot", Role::viewer};
  // One GET of the API, answered in this process: its JSON, or null where the route says 404.
  auto get = [&](const std::string& path, const httplib::Params& params) -> nlohmann::json {
    for (const auto& r : routes)
      if (r.method == "GET" && r.path == "/api/v1/" + path) {
        httplib::Request req;
        req.method = "GET";
        req.path = r.path;
        req.params = params;
        httplib::Response res;
        try {
          r.handler(api, req, res, viewer);
        } catch (const ApiError& e) {
          if (e.status == 404) return nullptr;
          throw InputError(path, e.message);
        }
        return nlohmann::json::parse(res.body);
      }
    throw InternalError("snapshot: no route " + path);
  };
  nlohmann::json snap = nlohmann::json::object();
  auto put = [&](const std::string& ep, const std::string& m, const std::string& s, nlohmann::json v) {
    if (!v.is_null()) snap[ep + "|" + m + "|" + s] = std::move(v);
  };
  const nlohmann::json machines = get("machines", {});
  put("machines", "", "", machines);
  put("sensors", "", "", get("sensors", {}));
  put("alarms", "", "", get("alarms", {{"limit", "500"}}));
  put("quality", "", "", get("quality", {}));
  put("downtime", "", "", get("downtime", {}));
  put("schedules/latest", "", "", get("schedules/latest", {}));
  for (const auto& m : machines["machines"]) {
    const std::string id = m["machine"];
    const nlohmann::json sensors = get("sensors", {{"machine", id}});
    put("sensors", id, "", sensors);
    put("alarms", id, "", get("alarms", {{"machine", id}}));
    put("breakdowns", id, "", get("breakdowns", {{"machine", id}}));
    if (!m["first_ts"].is_number() || !m["last_ts"].is_number()) continue;
    const std::string from = std::to_string(m["first_ts"].get<std::int64_t>()),
                      to = std::to_string(m["last_ts"].get<std::int64_t>() + 1);
    for (const auto& s : sensors["sensors"]) {
      const std::string sensor = s["sensor"];
      put("cleaning", id, sensor, get("cleaning", {{"machine", id}, {"sensor", sensor}}));
      put("readings", id, sensor,
          get("readings", {{"machine", id}, {"sensor", sensor}, {"from", from}, {"to", to}, {"points", "600"}}));
    }
  }
  const std::string index = (web / "index.html").string();
  std::string html = read_file(index);
  replace_once(html, R"(<link rel="stylesheet" href="style.css">)", "<style>\n" + read_file((web / "style.css").string()) + "</style>", index);
  replace_once(html, R"(<script src="vendor/echarts.min.js"></script>)",
               "<script>\n" + inline_safe(read_file((web / "vendor/echarts.min.js").string())) + "\n</script>", index);
  replace_once(html, R"(<script src="app.js"></script>)",
               "<script>window.XINZHI_SNAPSHOT = " + inline_safe(snap.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
                   ";</script>\n<script>\n" + inline_safe(read_file((web / "app.js").string())) + "\n</script>",
               index);
  return html;
}

}  // namespace xinzhi::serve
