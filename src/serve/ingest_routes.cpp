// Readings written over HTTP: a body of CSV lines (with or without a header), JSON Lines or one
// JSON document, read by the same landing grammar as files and MQTT payloads
// (acquire/mqtt/payload.hpp), with the same quarantine. The readings, the quarantined rows and
// the Idempotency-Key are committed in one transaction that reaches the disk before the answer
// is sent: an answer means stored, and a retry with the same key gets the first answer again
// and writes nothing.
#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "acquire/mqtt/payload.hpp"
#include "acquire/series_tally.hpp"
#include "serve/routes.hpp"
#include "store/quarantine_table.hpp"
#include "store/readings_table.hpp"
#include "store/serving_tables.hpp"
#include "store/sources_table.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::serve {

namespace {

void post_readings(ApiContext& c, const httplib::Request& req, httplib::Response& res, const Caller& who) {
  const std::string key = req.get_header_value("Idempotency-Key");
  if (key.size() > 200) throw ApiError{400, "Idempotency-Key", "is longer than 200 characters"};
  if (req.body.empty()) throw ApiError{400, "body", "is empty: send CSV lines, JSON Lines or a JSON document of readings"};
  const TimestampMs now = now_ms();
  // Decoded outside the lock: it is the slow part.
  acquire::DecodedPayload d = acquire::decode_payload(req.body, acquire::ReadingRules::live(), now, req.body.size() + 1);
  const std::string source = "http:" + who.name;
  const store::StoredResponse answer = c.write([&](store::Warehouse& wh) {
    store::Transaction tx(wh.db());
    if (!key.empty())
      if (auto earlier = store::find_http_request(wh.db(), who.name, key)) return *earlier;
    store::ReadingAppender readings(wh.db());
    store::QuarantineAppender quarantine(wh.db());
    acquire::SeriesTally tally;
    for (const auto& r : d.readings) {
      readings.append(r);
      tally.add(r);
    }
    nlohmann::json rejected = nlohmann::json::array();
    for (const auto& q : d.rejected) {
      const std::string place = fmt::format("POST /api/v1/readings{}{}", key.empty() ? "" : " key " + key,
                                            q.where.empty() ? "" : " " + q.where);
      quarantine.append({source, place, q.raw, q.reason, "http"}, now);
      if (rejected.size() < 20) rejected.push_back({{"where", q.where}, {"reason", q.reason}});
    }
    store::record_series_seen(wh.db(), tally.seen());
    store::StreamSourceCounter(wh.db(), "http").add(source, 1, static_cast<std::int64_t>(d.readings.size()),
                                                     static_cast<std::int64_t>(d.rejected.size()), now);
    const int status = d.readings.empty() && !d.rejected.empty() ? 422 : 200;
    nlohmann::json body = {{"stored", d.readings.size()}, {"quarantined", d.rejected.size()}, {"rejected", rejected}};
    if (!key.empty()) body["idempotency_key"] = key;
    store::StoredResponse r{status, body.dump()};
    if (!key.empty()) store::record_http_request(wh.db(), who.name, key, r, now);
    tx.commit();
    if (!d.rejected.empty()) spdlog::warn("serve: {} readings quarantined from {}", d.rejected.size(), source);
    return r;
  });
  res.status = answer.status;
  res.set_content(answer.body, "application/json");
}

}  // namespace

std::vector<Route> ingest_routes() {
  return {{"POST", "/api/v1/readings", Role::operator_,
           "Stores readings: CSV lines (ts,machine,sensor,value, header optional), JSON Lines, or a JSON reading, list "
           "or {\"readings\": [...]}. Rows that break the landing rules are quarantined with their reason. Send an "
           "Idempotency-Key header to make retries safe.",
           {{"Idempotency-Key", "header", "string", false, "a retry with the same key gets the first answer"}},
           post_readings, true, "text/csv, application/x-ndjson or application/json"}};
}

}  // namespace xinzhi::serve
