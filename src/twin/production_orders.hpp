// Production orders for the scheduler: products with routings over the plant's machines (an
// operation can often run on 2-3 machines of the same type, at different speeds), order
// quantities, processing minutes, release and due dates and weights.
#pragma once

#include <string>
#include <vector>

#include "twin/plant_config.hpp"

namespace xinzhi::twin {

struct OrderOption {
  int machine;
  double minutes;
};

struct ProductionOrder {
  std::string id;  // O0001
  std::string product;
  int quantity = 1;
  TimestampMs release = 0, due = 0;
  int weight = 1;
  std::vector<std::vector<OrderOption>> operations;  // in routing order; each: eligible machines
};

std::vector<ProductionOrder> generate_orders(const PlantConfig& plant);
// orders.jsonl under the run folder.
void write_orders(const PlantConfig& plant, const std::vector<ProductionOrder>& orders, const std::string& dir);

}  // namespace xinzhi::twin
