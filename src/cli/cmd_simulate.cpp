// `xinzhi simulate --plant PLANT.yaml --days D --seed S --out DIR`: run the plant's digital
// twin and write landing files, truth, technician logs and production orders into DIR.
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "twin/plant_config.hpp"
#include "twin/live_replay.hpp"
#include "twin/plant_simulator.hpp"
#include "twin/twin_layout.hpp"
#include "cli/commands.hpp"

namespace xinzhi::cli {

namespace {

struct SimulateOptions {
  std::string plant, out;
  int days = 0, machines = 0;
  std::int64_t seed = -1;
  bool force = false;
  std::string mqtt, topic_prefix = "plant";
  double speedup = 3600;
};

void run_simulate(const SimulateOptions& o) {
  twin::PlantConfig plant = o.plant.empty() ? twin::parse_plant_config("{}", "<defaults>")
                                               : twin::load_plant_config(o.plant);
  twin::PlantOverrides ov;
  if (o.days > 0) ov.days = o.days;
  if (o.seed >= 0) ov.seed = static_cast<std::uint64_t>(o.seed);
  if (o.machines > 0) ov.machines = o.machines;
  twin::apply_overrides(plant, ov);
  spdlog::info("simulating '{}': {} machines, {} gateways, {} days from {}, seed {}", plant.name,
               plant.machines.size(), plant.gateways.size(), plant.days, format_iso8601(plant.start), plant.seed);
  const twin::SimulationSummary s = twin::simulate_plant(plant, o.out, o.force);
  std::uint64_t defects = 0;
  for (auto d : s.defects) defects += d;
  std::cout << fmt::format(
      "wrote {}: {} readings ({} landing rows, {} injected defects), {} failures, {} maintenance windows, "
      "{} records, {} orders; {:.1f} MB in {:.2f} s ({:.0f} readings/s)\n",
      o.out, s.readings, s.landing_rows, defects, s.failures, s.maintenance_windows, s.records, s.orders,
      static_cast<double>(s.bytes) / 1e6, s.seconds, s.seconds > 0 ? static_cast<double>(s.readings) / s.seconds : 0.0);
  if (!o.mqtt.empty()) {
    twin::ReplayOptions replay;
    replay.mqtt.broker = o.mqtt;
    replay.mqtt.topic_prefix = o.topic_prefix;
    replay.mqtt.format = acquire::PayloadFormat::csv;
    replay.speedup = o.speedup;
    spdlog::info("publishing the gateways' rows to {} under {}/<gateway>/readings at {}x", o.mqtt, o.topic_prefix,
                 o.speedup > 0 ? fmt::format("{:g}", o.speedup) : std::string("full speed"));
    const auto r = twin::replay_landing(o.out, replay);
    std::cout << fmt::format("published {} landing rows as {} messages to {} in {:.1f} s ({} resent after {} reconnects)\n",
                             r.rows, r.messages, o.mqtt, r.seconds, r.resends, r.reconnects);
  }
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Run the digital twin of a plant: machines with shifts, wear, failures and repairs; gateways writing\n"
      "CSV / JSON Lines with realistic defects; truth files; technician logs (en/zh) and production orders");
  cmd->add_option("--plant", o->plant,
                  "Plant description (YAML; see examples/smart-factory/plant.yaml). Without it a built-in\n"
                  "20-machine, 7-day plant is used");
  cmd->add_option("--out", o->out, "Folder to write (must be empty or absent unless --force)")->required();
  cmd->add_option("--days", o->days, "Days to simulate (overrides the plant file)")->check(CLI::Range(1, 3660));
  cmd->add_option("--seed", o->seed, "Random seed (overrides the plant file); the same seed gives the same bytes")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--machines", o->machines,
                  "Number of machines (rescales the plant's machine groups, keeping their types and gateways)")
      ->check(CLI::Range(1, 9999));
  cmd->add_flag("--force", o->force, "Replace a non-empty --out folder");
  cmd->add_option("--mqtt", o->mqtt,
                  "Also publish the gateways' rows live to this MQTT broker (tcp://host:port), QoS 1, in time\n"
                  "order with the same defects; `xinzhi mqtt ingest` takes them in");
  cmd->add_option("--speedup", o->speedup, "With --mqtt: simulated seconds per second (0: as fast as possible)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--topic-prefix", o->topic_prefix, "With --mqtt: topics are PREFIX/<gateway>/readings")
      ->capture_default_str();
  cmd->callback([o] { run_simulate(*o); });
}

}  // namespace xinzhi::cli
