// The ingest stage: loads a plant folder (after a simulate stage: the twin's) or a landing
// folder into the warehouse, each part into its table, and reports what arrived: files and
// their lines, what was quarantined and why, the records, orders, calendar and asset register,
// and the landing data's profile.
#include <fmt/format.h>

#include "acquire/plant_folder.hpp"
#include "core/error.hpp"
#include "core/html.hpp"
#include "pipeline/stages/landing_profile.hpp"
#include "pipeline/stages/stages.hpp"
#include "store/quarantine_table.hpp"

namespace xinzhi::pipeline {

namespace {

class IngestStage : public Stage {
 public:
  explicit IngestStage(const ConfigNode& s) {
    path_ = s.get<std::string>("path", "");
    options_.chunk_rows = static_cast<std::size_t>(s.get<std::int64_t>("chunk_rows", 250'000));
    if (options_.chunk_rows == 0) s.fail_at("chunk_rows", "must be at least 1");
    s.finish();
  }
  std::string name() const override { return "ingest"; }
  std::string title() const override { return "Ingest: the plant's data into the warehouse"; }

  StageResult run(RunContext& ctx) override {
    std::string path;
    if (!path_.empty()) path = ctx.resolve(path_).string();
    else if (auto it = ctx.outputs.find("twin_dir"); it != ctx.outputs.end()) path = it->second;
    else throw InputError("ingest.path", "no path given and no simulate stage before this one");

    auto& wh = *ctx.warehouse;
    acquire::PlantIngestResult plant;
    if (acquire::is_plant_folder(path)) plant = acquire::ingest_plant_folder(wh, path, options_);
    else plant.readings = acquire::ingest_readings(wh, path, options_);
    const auto& r = plant.readings;
    for (const auto& p : r.problems) throw InputError("", p);  // a file that could not be read at all fails the run

    StageResult out;
    auto& m = out.metrics;
    m["path"] = path;
    m["files"] = r.files.size();
    m["readings"] = r.rows;
    m["quarantined"] = plant.quarantined();
    m["bytes"] = r.bytes;
    m["seconds"] = r.seconds;
    m["readings_per_second"] = r.seconds > 0 ? r.rows / r.seconds : 0.0;

    std::vector<std::vector<std::string>> rows;
    for (const auto& f : r.files)
      rows.push_back({f.path.substr(path.size() + (f.path.size() > path.size() ? 1 : 0)), f.format,
                      std::to_string(f.lines), std::to_string(f.rows), std::to_string(f.quarantined)});
    auto& html = out.html;
    html += fmt::format("<p>{} readings from {} files ({:.1f} MB) in {:.2f} s ({:.0f} readings/s); {} lines "
                        "quarantined with their reason.</p>",
                        r.rows, r.files.size(), r.bytes / 1e6, r.seconds, m["readings_per_second"].get<double>(),
                        r.quarantined);
    html += html::table({"file", "format", "#lines", "#readings", "#quarantined"}, rows);

    // The plant folder's other parts.
    if (!plant.parts.empty()) {
      std::vector<std::vector<std::string>> parts;
      nlohmann::json loaded = nlohmann::json::object();
      for (const auto& p : plant.parts) {
        parts.push_back({p.part, p.path.substr(path.size() + (p.path.size() > path.size() ? 1 : 0)),
                         std::to_string(p.items), std::to_string(p.quarantined)});
        loaded[p.part] = loaded.value(p.part, std::int64_t{0}) + p.items;
      }
      m["loaded"] = loaded;
      m["text_records"] = loaded.value("records", std::int64_t{0});
      m["orders"] = loaded.value("orders", std::int64_t{0});
      html += "<h3>Records, orders, calendar and asset register</h3>" +
              html::table({"part", "file", "#loaded", "#quarantined"}, parts);
    }
    for (const auto& note : plant.left_alone) html += "<p class=note>Left alone: " + html::escape(note) + "</p>";

    // Quarantine by reason.
    std::vector<std::vector<std::string>> qrows;
    nlohmann::json by_reason = nlohmann::json::object();
    for (const auto& q : store::quarantine_by_reason(wh.db(), "ingest")) {
      qrows.push_back({q.reason, std::to_string(q.count), q.first_place});
      by_reason[q.reason] = q.count;
    }
    m["quarantine_by_reason"] = by_reason;
    if (!qrows.empty()) html += "<h3>Quarantined lines by reason</h3>" + html::table({"reason", "#lines", "first at"}, qrows);

    const LandingProfile profile = profile_landing(wh);
    m["landing_profile"] = profile.to_json();
    html += profile.to_html();
    out.summary = fmt::format("{} readings, {} lines quarantined, {:.0f} readings/s", r.rows, plant.quarantined(),
                              m["readings_per_second"].get<double>());
    return out;
  }

 private:
  std::string path_;
  acquire::IngestOptions options_;
};

}  // namespace

std::unique_ptr<Stage> make_ingest_stage(const ConfigNode& settings) { return std::make_unique<IngestStage>(settings); }

}  // namespace xinzhi::pipeline
