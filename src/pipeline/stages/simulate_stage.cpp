// The simulate stage: runs the plant's digital twin into the run folder (plant/) and reports
// the plant: machines, sensors, volumes, failures, and a look at one machine's signals.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "twin/plant_config.hpp"
#include "twin/plant_simulator.hpp"
#include "twin/truth.hpp"
#include "twin/twin_layout.hpp"
#include "core/html.hpp"
#include "core/time.hpp"
#include "pipeline/stages/stages.hpp"

namespace xinzhi::pipeline {

namespace fs = std::filesystem;

namespace {

class SimulateStage : public Stage {
 public:
  explicit SimulateStage(const ConfigNode& s) {
    plant_ = s.get<std::string>("plant", "");
    days_ = s.get<int>("days", 0);
    machines_ = s.get<int>("machines", 0);
    seed_ = s.get<std::int64_t>("seed", -1);
    if (days_ < 0) s.fail_at("days", "must be positive");
    if (machines_ < 0) s.fail_at("machines", "must be positive");
    s.finish();
  }
  std::string name() const override { return "simulate"; }
  std::string title() const override { return "Simulate: the plant's digital twin"; }

  StageResult run(RunContext& ctx) override {
    twin::PlantConfig plant = plant_.empty() ? twin::parse_plant_config("{}", "<defaults>")
                                                : twin::load_plant_config(ctx.resolve(plant_).string());
    twin::PlantOverrides ov;
    if (days_ > 0) ov.days = days_;
    ov.seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : ctx.seed;
    if (machines_ > 0) ov.machines = machines_;
    twin::apply_overrides(plant, ov);
    const fs::path out = ctx.run_dir / "plant";
    const twin::SimulationSummary s = twin::simulate_plant(plant, out.string(), false);
    ctx.outputs["twin_dir"] = out.string();
    ctx.outputs["landing_dir"] = (out / twin::layout::kLandingDir).string();

    StageResult r;
    auto& m = r.metrics;
    m["plant"] = plant.name;
    m["seed"] = plant.seed;
    m["days"] = plant.days;
    m["machines"] = plant.machines.size();
    m["gateways"] = plant.gateways.size();
    m["readings"] = s.readings;
    m["landing_rows"] = s.landing_rows;
    m["bytes"] = s.bytes;
    m["failures"] = s.failures;
    m["maintenance_windows"] = s.maintenance_windows;
    m["records"] = s.records;
    m["orders"] = s.orders;
    m["seconds"] = s.seconds;
    m["readings_per_second"] = s.seconds > 0 ? static_cast<double>(s.readings) / s.seconds : 0.0;
    nlohmann::json defects = nlohmann::json::object();
    for (std::size_t k = 0; k < s.defects.size(); ++k)
      defects[std::string(twin::layout::kDefectKinds[k])] = s.defects[k];
    m["defects_injected"] = defects;

    auto& html = r.html;
    html += fmt::format("<p><b>{}</b>: {} machines on {} gateways, {} days from {} (seed {}). The twin wrote {} true "
                        "readings as {} landing rows ({:.1f} MB) in {:.2f} s, with {} failures, {} planned "
                        "maintenance windows, {} technician records and {} production orders.</p>",
                        html::escape(plant.name), plant.machines.size(), plant.gateways.size(), plant.days,
                        format_iso8601(plant.start).substr(0, 10), plant.seed, s.readings, s.landing_rows,
                        static_cast<double>(s.bytes) / 1e6, s.seconds, s.failures, s.maintenance_windows, s.records,
                        s.orders);
    html += machines_table(plant);
    std::vector<html::Bar> bars;
    for (std::size_t k = 0; k < s.defects.size(); ++k)
      bars.push_back({std::string(twin::layout::kDefectKinds[k]), static_cast<double>(s.defects[k])});
    html += html::bar_chart("Defects injected by the gateways (rows of truth/defects.csv)", bars, "");
    html += failures_chart(out, plant);
    r.summary = fmt::format("{} machines, {} days, {} readings, {} failures", plant.machines.size(), plant.days,
                            s.readings, s.failures);
    return r;
  }

 private:
  static std::string machines_table(const twin::PlantConfig& plant) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : plant.machines) {
      const auto& type = plant.types.at(m.type);
      std::string sensors;
      for (const auto& sensor : type.sensors)
        sensors += fmt::format("{}{} ({} s)", sensors.empty() ? "" : ", ", twin::sensor_name(sensor.kind),
                               sensor.rate_s);
      rows.push_back({m.id, type.name, plant.gateways.at(m.gateway).id, sensors});
    }
    return "<h3>Machines</h3>" + html::table({"machine", "type", "gateway", "sensors (sample interval)"}, rows);
  }

  // Failures per machine from the twin's truth.
  static std::string failures_chart(const fs::path& out, const twin::PlantConfig& plant) {
    std::map<std::string, int> failures;
    for (const auto& f : twin::PlantTruth(out.string()).failures()) ++failures[f.machine];
    std::vector<html::Bar> bars;
    for (const auto& m : plant.machines) bars.push_back({m.id, static_cast<double>(failures[m.id])});
    return html::bar_chart("Failures per machine (truth/failures.csv)", bars, "");
  }

  std::string plant_;
  int days_ = 0, machines_ = 0;
  std::int64_t seed_ = -1;
};

}  // namespace

std::unique_ptr<Stage> make_simulate_stage(const ConfigNode& settings) { return std::make_unique<SimulateStage>(settings); }

}  // namespace xinzhi::pipeline
