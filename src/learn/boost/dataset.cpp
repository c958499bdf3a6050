#include "learn/boost/dataset.hpp"

#include "core/error.hpp"

namespace xinzhi::learn {

void Dataset::add(std::span<const float> values, float label) {
  if (values.size() != cols())
    throw InternalError("dataset row has " + std::to_string(values.size()) + " values for " +
                        std::to_string(cols()) + " features");
  x.insert(x.end(), values.begin(), values.end());
  y.push_back(label);
}

Dataset Dataset::slice(std::size_t begin, std::size_t end) const {
  Dataset d;
  d.features = features;
  d.x.assign(x.begin() + static_cast<std::ptrdiff_t>(begin * cols()), x.begin() + static_cast<std::ptrdiff_t>(end * cols()));
  d.y.assign(y.begin() + static_cast<std::ptrdiff_t>(begin), y.begin() + static_cast<std::ptrdiff_t>(end));
  if (!weight.empty())
    d.weight.assign(weight.begin() + static_cast<std::ptrdiff_t>(begin), weight.begin() + static_cast<std::ptrdiff_t>(end));
  return d;
}

Dataset Dataset::pick(const std::vector<std::size_t>& indices) const {
  Dataset d;
  d.features = features;
  d.x.reserve(indices.size() * cols());
  for (std::size_t i : indices) {
    const auto r = row(i);
    d.x.insert(d.x.end(), r.begin(), r.end());
    d.y.push_back(y[i]);
    if (!weight.empty()) d.weight.push_back(weight[i]);
  }
  return d;
}

}  // namespace xinzhi::learn
