#include "core/stats.hpp"

#include <algorithm>
#include <cmath>

namespace xinzhi {

double median_of(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return std::nan("");
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + static_cast<long>(mid))) / 2;
  return m;
}

double scaled_mad(const std::vector<double>& v, double median) {
  std::vector<double> d;
  d.reserve(v.size());
  for (double x : v)
    if (!std::isnan(x)) d.push_back(std::abs(x - median));
  return 1.4826 * median_of(std::move(d));
}

}  // namespace xinzhi
