// records/*.jsonl and orders.jsonl of a plant folder into text_records and production_orders.
#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acquire/plant_folder.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/utf8.hpp"
#include "store/quarantine_table.hpp"

namespace xinzhi::acquire {

namespace {

using nlohmann::json;

// Each non-blank line of a JSON Lines file as an object; fn returns "" or the reason the line
// is unusable (then quarantined with file:line).
void each_json_line(store::Warehouse& wh, const std::string& file, PartIngest& part,
                    const std::function<std::string(const json&)>& fn) {
  const std::string text = read_file(file);
  std::vector<store::QuarantineRow> bad;
  for_each_line(text, [&](long n, std::string_view line) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    std::string reason;
    if (const auto at = invalid_utf8_at(line); at != std::string_view::npos) {
      reason = fmt::format("invalid UTF-8 at byte {}", at + 1);
    } else {
      const json j = json::parse(line, nullptr, false);
      if (j.is_discarded()) reason = "malformed JSON";
      else if (!j.is_object()) reason = "expected a JSON object";
      else {
        try {
          reason = fn(j);
        } catch (const json::exception& e) {
          reason = std::string("unexpected value: ") + e.what();
        }
      }
    }
    if (reason.empty()) return;
    bad.push_back({file, place(file, n), std::string(line), reason, "ingest"});
  });
  part.quarantined = static_cast<std::int64_t>(bad.size());
  if (!bad.empty()) part.first_quarantine = bad.front().place + ": " + bad.front().reason;
  wh.quarantine(bad);
}

std::string string_field(const json& j, const char* key, std::string& out, bool required) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return required ? fmt::format("missing field '{}'", key) : "";
  if (!it->is_string()) return fmt::format("field '{}' is not a string", key);
  out = it->get<std::string>();
  if (required && out.empty()) return fmt::format("empty field '{}'", key);
  return "";
}

std::string time_field(const json& j, const char* key, std::int64_t& out, bool required) {
  std::string text;
  if (auto e = string_field(j, key, text, required); !e.empty()) return e;
  if (text.empty()) return "";
  const auto t = parse_iso8601(text);
  if (!t) return fmt::format("field '{}': bad timestamp '{}'", key, text);
  out = *t;
  return "";
}

}  // namespace

PartIngest ingest_records(store::Warehouse& wh, const std::string& file) {
  PartIngest part{"records", file, 0, 0, ""};
  std::vector<store::TextRecord> records;
  each_json_line(wh, file, part, [&](const json& j) -> std::string {
    store::TextRecord r;
    for (auto [key, out, required] : {std::tuple{"id", &r.record_id, true}, std::tuple{"text", &r.text, true},
                                      std::tuple{"lang", &r.lang, true}, std::tuple{"split", &r.split, true},
                                      std::tuple{"machine", &r.machine, false}, std::tuple{"label", &r.label, false},
                                      std::tuple{"kind", &r.kind, false}})
      if (auto e = string_field(j, key, *out, required); !e.empty()) return e;
    if (r.split != "train" && r.split != "dev" && r.split != "test")
      return fmt::format("unknown split '{}' (train, dev or test)", r.split);
    if (auto e = time_field(j, "ts", r.ts, false); !e.empty()) return e;
    if (const auto v = j.find("value"); v != j.end() && !v->is_null()) {
      if (!v->is_number() || !std::isfinite(v->get<double>())) return "field 'value' is not a finite number";
      r.has_value = true, r.value = v->get<double>();
    }
    const auto spans = j.find("entities");
    json entities = spans == j.end() ? json::array() : *spans;
    if (!entities.is_array()) return "field 'entities' is not a list of [start, end, type]";
    for (const auto& e : entities)
      if (!e.is_array() || e.size() != 3 || !e[0].is_number_integer() || !e[1].is_number_integer() || !e[2].is_string() ||
          e[0].get<long>() < 0 || e[1].get<long>() <= e[0].get<long>())
        return "entities: each must be [start, end, type] with 0 <= start < end";
    r.entities_json = entities.dump();
    records.push_back(std::move(r));
    return "";
  });
  if (!records.empty()) wh.put_text_records(records);
  part.items = static_cast<std::int64_t>(records.size());
  return part;
}

PartIngest ingest_orders(store::Warehouse& wh, const std::string& file) {
  PartIngest part{"orders", file, 0, 0, ""};
  std::vector<store::ProductionOrder> orders;
  each_json_line(wh, file, part, [&](const json& j) -> std::string {
    store::ProductionOrder o;
    if (auto e = string_field(j, "order_id", o.order_id, true); !e.empty()) return e;
    if (auto e = string_field(j, "product", o.product, false); !e.empty()) return e;
    if (auto e = time_field(j, "release", o.release_ms, true); !e.empty()) return e;
    if (auto e = time_field(j, "due", o.due_ms, false); !e.empty()) return e;
    o.quantity = j.value("quantity", 1);
    o.weight = j.value("weight", 1.0);
    if (o.quantity < 1) return "field 'quantity' must be at least 1";
    if (!(o.weight >= 0)) return "field 'weight' must not be negative";
    const auto ops = j.find("operations");
    if (ops == j.end() || !ops->is_array() || ops->empty()) return "field 'operations' must be a non-empty list";
    for (std::size_t k = 0; k < ops->size(); ++k) {
      const auto& op = (*ops)[k];
      if (!op.is_array() || op.empty()) return fmt::format("operations[{}]: a list of eligible machines is needed", k);
      store::OrderOperation oo;
      for (const auto& e : op) {
        if (!e.is_object() || !e.contains("machine") || !e["machine"].is_string() || !e.contains("minutes") ||
            !e["minutes"].is_number())
          return fmt::format("operations[{}]: each machine must be {{\"machine\": name, \"minutes\": number}}", k);
        const double minutes = e["minutes"].get<double>();
        if (!(minutes > 0) || !std::isfinite(minutes))
          return fmt::format("operations[{}]: minutes {} on {} must be a positive number", k, minutes,
                             e["machine"].get<std::string>());
        oo.eligible.push_back({e["machine"].get<std::string>(), minutes});
      }
      o.operations.push_back(std::move(oo));
    }
    orders.push_back(std::move(o));
    return "";
  });
  if (!orders.empty()) wh.put_orders(orders);
  part.items = static_cast<std::int64_t>(orders.size());
  return part;
}

}  // namespace xinzhi::acquire
