#include "twin/production_orders.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "twin/output_file.hpp"
#include "twin/twin_layout.hpp"
#include "twin/twin_random.hpp"

namespace xinzhi::twin {

namespace {
struct RoutingStep {
  std::vector<int> machines;  // eligible machines
  std::vector<double> speed;  // per eligible machine: minutes multiplier
  double setup_min, unit_min;
};
}  // namespace

std::vector<ProductionOrder> generate_orders(const PlantConfig& plant) {
  Rng rng(plant.seed, "orders");
  const OrdersConfig& oc = plant.orders;
  std::vector<std::vector<int>> by_type(plant.types.size());
  for (int m = 0; m < static_cast<int>(plant.machines.size()); ++m) by_type[plant.machines[m].type].push_back(m);
  std::vector<int> types_present;
  for (int t = 0; t < static_cast<int>(by_type.size()); ++t)
    if (!by_type[t].empty()) types_present.push_back(t);

  // Products: a routing of 2-5 steps, each on one machine type, with 1-3 eligible machines.
  std::vector<std::vector<RoutingStep>> products(static_cast<std::size_t>(oc.products));
  for (auto& routing : products) {
    const int steps = rng.between(2, 5);
    for (int s = 0; s < steps; ++s) {
      const int type = types_present[rng.below(types_present.size())];
      std::vector<int> pool = by_type[type];
      for (std::size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng.below(i)]);  // Fisher-Yates
      const int eligible = std::min<int>(static_cast<int>(pool.size()), rng.between(1, 3));
      RoutingStep step;
      step.machines.assign(pool.begin(), pool.begin() + eligible);
      std::sort(step.machines.begin(), step.machines.end());
      for (int i = 0; i < eligible; ++i) step.speed.push_back(rng.uniform(0.85, 1.25));
      step.setup_min = rng.uniform(5, 30);
      step.unit_min = rng.uniform(0.3, 2.5);
      routing.push_back(std::move(step));
    }
  }

  std::vector<ProductionOrder> orders;
  const double horizon_min = plant.days * 1440.0;
  for (int i = 0; i < oc.count; ++i) {
    ProductionOrder o;
    const int p = static_cast<int>(rng.below(products.size()));
    o.product = fmt::format("P{}", p + 1);
    o.quantity = rng.between(oc.min_quantity, oc.max_quantity);
    o.weight = rng.between(1, 3);
    double total = 0;
    for (const RoutingStep& step : products[p]) {
      std::vector<OrderOption> options;
      double fastest = 1e300;
      for (std::size_t k = 0; k < step.machines.size(); ++k) {
        const double minutes = std::round((step.setup_min + o.quantity * step.unit_min) * step.speed[k] * 10) / 10;
        options.push_back({step.machines[k], minutes});
        fastest = std::min(fastest, minutes);
      }
      total += fastest;
      o.operations.push_back(std::move(options));
    }
    // Released over the first 80% of the horizon (to the minute); due after the work plus slack.
    const double release_min = std::floor(rng.uniform(0, 0.8) * horizon_min);
    const double due_min = std::ceil(release_min + total * rng.uniform(1.5, 4.0) + rng.uniform(60, 24 * 60));
    o.release = plant.start + static_cast<TimestampMs>(release_min) * 60'000;
    o.due = plant.start + static_cast<TimestampMs>(due_min) * 60'000;
    orders.push_back(std::move(o));
  }
  std::stable_sort(orders.begin(), orders.end(),
                   [](const ProductionOrder& a, const ProductionOrder& b) { return a.release < b.release; });
  for (std::size_t i = 0; i < orders.size(); ++i) orders[i].id = fmt::format("O{:04}", i + 1);
  return orders;
}

void write_orders(const PlantConfig& plant, const std::vector<ProductionOrder>& orders, const std::string& dir) {
  OutputFile f((std::filesystem::path(dir) / layout::kOrdersJsonl).string());
  for (const ProductionOrder& o : orders) {
    nlohmann::ordered_json j;
    j["order_id"] = o.id;
    j["product"] = o.product;
    j["quantity"] = o.quantity;
    j["release"] = format_iso8601(o.release);
    j["due"] = format_iso8601(o.due);
    j["weight"] = o.weight;
    nlohmann::ordered_json ops = nlohmann::ordered_json::array();
    for (const auto& op : o.operations) {
      nlohmann::ordered_json alts = nlohmann::ordered_json::array();
      for (const OrderOption& opt : op)
        alts.push_back(nlohmann::ordered_json{{"machine", plant.machines[opt.machine].id}, {"minutes", opt.minutes}});
      ops.push_back(std::move(alts));
    }
    j["operations"] = std::move(ops);
    f.buf() += j.dump();
    f.buf() += '\n';
  }
  f.close();
}

}  // namespace xinzhi::twin
