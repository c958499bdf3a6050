// The ingest stage: loads the landing files into the warehouse and reports what arrived, the
// defects visible in it, and (after a simulate stage) how those compare with the twin's truth.
#include <fmt/format.h>

#include "acquire/file_ingest.hpp"
#include "core/error.hpp"
#include "core/html.hpp"
#include "pipeline/stages/landing_profile.hpp"
#include "pipeline/stages/stages.hpp"

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
  std::string title() const override { return "Ingest: landing files into the warehouse"; }

  StageResult run(RunContext& ctx) override {
    std::string path;
    if (!path_.empty()) path = ctx.resolve(path_).string();
    else if (auto it = ctx.outputs.find("landing_dir"); it != ctx.outputs.end()) path = it->second;
    else throw InputError("ingest.path", "no path given and no simulate stage before this one");

    auto& wh = *ctx.warehouse;
    const auto r = acquire::ingest_readings(wh, path, options_);
    for (const auto& p : r.problems) throw InputError("", p);  // a file that could not be read at all fails the run

    StageResult out;
    auto& m = out.metrics;
    m["path"] = path;
    m["files"] = r.files.size();
    m["readings"] = r.rows;
    m["quarantined"] = r.quarantined;
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

    // Quarantine by reason.
    {
      std::vector<std::vector<std::string>> qrows;
      store::Statement q = wh.db().prepare(
          "SELECT reason, count(*), min(place) FROM quarantine WHERE stage = 'ingest' GROUP BY 1 ORDER BY 2 DESC LIMIT 20");
      nlohmann::json by_reason = nlohmann::json::object();
      while (q.step()) {
        qrows.push_back({q.get_text(0), std::to_string(q.get_int(1)), q.get_text(2)});
        by_reason[q.get_text(0)] = q.get_int(1);
      }
      m["quarantine_by_reason"] = by_reason;
      if (!qrows.empty()) html += "<h3>Quarantined lines by reason</h3>" + html::table({"reason", "#lines", "first at"}, qrows);
    }

    // Text records and production orders that come with a simulated plant.
    if (auto it = ctx.outputs.find("twin_dir"); it != ctx.outputs.end()) {
      const auto extras = load_twin_records(wh, it->second);
      m["text_records"] = extras.text_records;
      m["orders"] = extras.orders;
      html += fmt::format("<p>Also loaded {} maintenance and inspection records and {} production orders.</p>",
                          extras.text_records, extras.orders);
    }

    const LandingProfile profile = profile_landing(wh);
    m["landing_profile"] = profile.to_json();
    html += profile.to_html();
    if (auto it = ctx.outputs.find("twin_dir"); it != ctx.outputs.end()) {
      const auto cmp = compare_with_truth(profile, wh, it->second);
      m["defects_vs_truth"] = cmp.metrics;
      html += cmp.html;
    }
    out.summary = fmt::format("{} readings, {} lines quarantined, {:.0f} readings/s", r.rows, r.quarantined,
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
