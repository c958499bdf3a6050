#include "clean/standardise.hpp"

#include <algorithm>
#include <cmath>

#include "core/stats.hpp"

namespace xinzhi::clean {

std::vector<double> standardise(const std::vector<double>& v, Standardise how) {
  std::vector<double> out(v.size(), kNaN);
  double centre = 0, scale = 1;
  std::size_t n = 0;
  switch (how) {
    case Standardise::none: return v;
    case Standardise::zscore: {
      double sum = 0, sq = 0;
      for (double x : v)
        if (!std::isnan(x)) sum += x, ++n;
      if (n < 2) return out;
      centre = sum / static_cast<double>(n);
      for (double x : v)
        if (!std::isnan(x)) sq += (x - centre) * (x - centre);
      scale = std::sqrt(sq / static_cast<double>(n - 1));
      break;
    }
    case Standardise::minmax: {
      double lo = INFINITY, hi = -INFINITY;
      for (double x : v)
        if (!std::isnan(x)) lo = std::min(lo, x), hi = std::max(hi, x), ++n;
      if (n == 0) return out;
      centre = lo, scale = hi - lo;
      break;
    }
    case Standardise::robust: {
      centre = median_of(v);
      scale = scaled_mad(v, centre);
      break;
    }
  }
  if (!(scale > 0)) return out;
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - centre) / scale;
  return out;
}

}  // namespace xinzhi::clean
