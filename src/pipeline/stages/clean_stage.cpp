// The clean stage: quality metrics, repair, imputation, standardisation and alignment of the
// warehouse's raw readings (src/clean), and, after a simulate stage, the cleaning scored
// against the twin's truth: precision and recall per defect kind, imputation error per method.
#include <fmt/format.h>

#include "clean/cleaner.hpp"
#include "clean/rules.hpp"
#include "score/cleaning_score.hpp"
#include "core/html.hpp"
#include "pipeline/stages/stages.hpp"

namespace xinzhi::pipeline {

namespace {

class CleanStage : public Stage {
 public:
  explicit CleanStage(const ConfigNode& s) {
    rules_ = s.require<std::string>("rules");
    score_ = s.get<bool>("score", true);
    s.finish();
  }
  std::string name() const override { return "clean"; }
  std::string title() const override { return "Clean: data quality, repair and imputation"; }

  StageResult run(RunContext& ctx) override {
    const clean::Rules rules = clean::load_rules(ctx.resolve(rules_).string());
    auto& wh = *ctx.warehouse;
    const auto twin = ctx.outputs.find("twin_dir");
    const bool scored = score_ && twin != ctx.outputs.end();
    clean::CleaningWork work;  // kept for scoring: it then cleans again only the imputation
    const clean::CleaningReport report = clean::run_cleaning(wh, rules, scored ? &work : nullptr);
    StageResult r;
    r.metrics = report.to_json();
    r.html = report.html_fragment();
    r.summary = fmt::format("{} raw rows -> {} clean rows, {} values imputed, {} left missing", report.rows_in,
                            report.rows_clean, report.values_imputed, report.values_missing);
    if (scored) {
      const score::TruthScore score = score::score_against_truth(wh, rules, twin->second, 1000, &work);
      r.metrics["truth_score"] = score.to_json();
      r.html += score_html(score);
      double min_p = 1, min_r = 1;
      for (const auto& d : score.defects) min_p = std::min(min_p, d.precision()), min_r = std::min(min_r, d.recall());
      r.summary += fmt::format("; against the twin's truth: lowest precision {:.3f}, lowest recall {:.3f}", min_p, min_r);
    }
    return r;
  }

 private:
  static std::string score_html(const score::TruthScore& score) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : score.defects)
      rows.push_back({d.kind, std::to_string(d.truth), std::to_string(d.found), fmt::format("{:.3f}", d.precision()),
                      fmt::format("{:.3f}", d.recall())});
    std::string html = "<h3>Defects found by the cleaning, scored against the twin's truth</h3>" +
                       html::table({"defect", "#injected", "#found", "#precision", "#recall"}, rows);
    std::vector<std::vector<std::string>> mae;
    for (const auto& s : score.imputation)
      mae.push_back({s.sensor, s.method, std::to_string(s.points), fmt::format("{:.4f}", s.mae)});
    if (!mae.empty())
      html += "<h3>Imputation error against the true signal (MAE, sensor units)</h3>" +
              html::table({"sensor", "method", "#points", "#MAE"}, mae);
    return html;
  }

  std::string rules_;
  bool score_ = true;
};

}  // namespace

std::unique_ptr<Stage> make_clean_stage(const ConfigNode& settings) { return std::make_unique<CleanStage>(settings); }

}  // namespace xinzhi::pipeline
