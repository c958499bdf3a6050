// The text models over HTTP: POST a text (or up to 100) and get labels, top-k scores and entities.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/routes.hpp"
#include "serve/text_service.hpp"

namespace xinzhi::serve {

std::vector<Route> text_routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/api/v1/text/models", Role::viewer, "The text models this server answers with", {},
               [](ApiContext& c, const httplib::Request&, httplib::Response& res, const Caller&) {
                 reply_json(res, {{"models", c.text().list()}});
               }});
  r.push_back({"POST", "/api/v1/text/predict", Role::viewer,
               "Labels texts with a text model: the label and the top-k labels with their probabilities "
               "(classifiers), or the words' tags and the entities with character offsets (taggers)",
               {{"top", "query", "integer", false, "labels with scores per text, 1 to 20 (default 3)"}},
               [](ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller&) {
                 const auto body = nlohmann::json::parse(req.body, nullptr, false);
                 if (body.is_discarded() || !body.is_object())
                   throw ApiError{400, "body", "must be a JSON object {\"text\": \"...\"} or {\"texts\": [...]}, with an optional \"model\""};
                 std::vector<std::string> texts;
                 if (body.contains("text")) {
                   if (!body["text"].is_string()) throw ApiError{400, "text", "must be a string"};
                   texts.push_back(body["text"].get<std::string>());
                 } else if (body.contains("texts")) {
                   if (!body["texts"].is_array()) throw ApiError{400, "texts", "must be a list of strings"};
                   for (std::size_t i = 0; i < body["texts"].size(); ++i) {
                     if (!body["texts"][i].is_string()) throw ApiError{400, "texts[" + std::to_string(i) + "]", "must be a string"};
                     texts.push_back(body["texts"][i].get<std::string>());
                   }
                 } else {
                   throw ApiError{400, "text", "is required (or texts)"};
                 }
                 if (texts.empty() || texts.size() > 100) throw ApiError{400, "texts", "takes 1 to 100 texts"};
                 for (std::size_t i = 0; i < texts.size(); ++i) {
                   if (texts[i].size() > 10000) throw ApiError{400, "texts[" + std::to_string(i) + "]", "is longer than 10,000 bytes"};
                   if (texts[i].find('\n') != std::string::npos || texts[i].find('\r') != std::string::npos)
                     throw ApiError{400, "texts[" + std::to_string(i) + "]", "holds a line break: send one text per entry"};
                 }
                 std::string model;
                 if (body.contains("model")) {
                   if (!body["model"].is_string()) throw ApiError{400, "model", "must be a string"};
                   model = body["model"].get<std::string>();
                 }
                 const auto top = param_int(req, "top", 1, 20, false).value_or(3);
                 reply_json(res, c.text().predict(model, texts, static_cast<std::size_t>(top)));
               },
               false, "application/json {\"text\": \"...\"} or {\"texts\": [...]}, optional \"model\""});
  return r;
}

}  // namespace xinzhi::serve
