#include "clean/units.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/stats.hpp"

namespace xinzhi::clean {

namespace {

double f_to_c(double f) { return (f - 32) * 5.0 / 9.0; }
double k_to_c(double k) { return k - 273.15; }

// The median of the valid values in [i-w, i+w] without i.
double local_median(const std::vector<double>& v, std::size_t i, std::size_t w, std::vector<double>& buf) {
  buf.clear();
  const std::size_t lo = i >= w ? i - w : 0, hi = std::min(v.size(), i + w + 1);
  for (std::size_t j = lo; j < hi; ++j)
    if (j != i && !std::isnan(v[j])) buf.push_back(v[j]);
  if (buf.empty()) return kNaN;
  return median_of(buf);
}

}  // namespace

std::size_t normalise_units(Series& s, const SensorRule& rule, double reference, ActionLog& log) {
  if (rule.unit != "C" || !rule.detect_units || s.size() == 0) return 0;
  std::size_t converted = 0;
  auto convert = [&](std::size_t i, double c, const char* from) {
    log.push_back(row_action(s, i, "unit", fmt::format("{} {} read as {} °C", s.value[i], from, c), c));
    s.value[i] = c;
    s.flags[i] |= kUnit;
    ++converted;
  };
  const double m = median_of(s.value);
  if (std::isnan(reference)) reference = m;
  if (!std::isnan(m) && reference != m) {
    // The whole series in another unit: its median fits the reference far better converted.
    const double raw = std::abs(m - reference), fc = std::abs(f_to_c(m) - reference), kc = std::abs(k_to_c(m) - reference);
    const char* from = fc < raw / 4 ? "°F" : kc < raw / 10 ? "K" : nullptr;
    if (from) {
      for (std::size_t i = 0; i < s.size(); ++i)
        if (!std::isnan(s.value[i])) convert(i, from[0] == 'K' ? k_to_c(s.value[i]) : f_to_c(s.value[i]), from);
      return converted;
    }
  }
  // Single rows against their neighbours: far off as they are, close once converted.
  const double spread = std::max(scaled_mad(s.value, m), 1e-6 * std::abs(m) + 1e-9);
  std::vector<double> buf;
  const std::vector<double> orig = s.value;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double v = orig[i];
    if (std::isnan(v)) continue;
    if (std::abs(v - m) <= 6 * spread) continue;  // cheap test first: most values are near the median
    const double local = local_median(orig, i, 10, buf);
    if (std::isnan(local)) continue;
    const double tol = std::max(4 * spread, 1.0);
    if (std::abs(v - local) <= 3 * tol) continue;
    // Single rows are checked for °F only: a tenfold spike of a room temperature (~300) looks
    // like kelvin, and a device does not switch to kelvin for a row or two.
    if (std::abs(f_to_c(v) - local) <= tol) convert(i, f_to_c(v), "°F");
  }
  return converted;
}

std::string unit_symbol(const std::string& rule_unit) {
  if (rule_unit == "C") return "°C";
  if (rule_unit == "F") return "°F";
  if (rule_unit == "K") return "K";
  return "";
}

}  // namespace xinzhi::clean
