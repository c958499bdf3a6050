#include "twin/twin_registers.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "twin/twin_layout.hpp"
#include "core/error.hpp"

namespace xinzhi::twin {

TwinRegisterSource::TwinRegisterSource(const std::string& twin_dir, const acquire::RegisterMap& map, double speedup)
    : series_(map.registers.size()), speedup_(speedup) {
  const std::string path = (std::filesystem::path(twin_dir) / layout::kTruthSignals).string();
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot be read (is --twin a folder written by `xinzhi simulate`?)");
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> wanted;
  for (std::size_t i = 0; i < map.registers.size(); ++i)
    wanted[{map.registers[i].machine, map.registers[i].sensor}].push_back(i);
  std::string line;
  std::getline(in, line);  // header ts,machine,sensor,value
  start_ = INT64_MAX, end_ = INT64_MIN;
  for (long n = 2; std::getline(in, line); ++n) {
    const auto c1 = line.find(','), c2 = line.find(',', c1 + 1), c3 = line.find(',', c2 + 1);
    if (c3 == std::string::npos) throw InputError(place(path, n), "expected ts,machine,sensor,value");
    const auto ts = parse_iso8601(std::string_view(line).substr(0, c1));
    if (!ts) throw InputError(place(path, n), "bad timestamp");
    start_ = std::min(start_, *ts), end_ = std::max(end_, *ts);
    const auto it = wanted.find({line.substr(c1 + 1, c2 - c1 - 1), line.substr(c2 + 1, c3 - c2 - 1)});
    if (it == wanted.end()) continue;
    double v;
    if (std::from_chars(line.data() + c3 + 1, line.data() + line.size(), v).ec != std::errc()) continue;
    for (std::size_t i : it->second) series_[i].emplace_back(*ts, v);
  }
  for (std::size_t i = 0; i < series_.size(); ++i) {
    if (series_[i].empty())
      throw InputError(map.registers[i].place, fmt::format("the simulated plant has no {} on {}",
                                                           map.registers[i].sensor, map.registers[i].machine));
    std::sort(series_[i].begin(), series_[i].end());
  }
}

double TwinRegisterSource::value(std::size_t i, const acquire::RegisterSpec& spec, double t) const {
  const auto span = std::max<TimestampMs>(1, end_ - start_);
  const TimestampMs at = start_ + static_cast<TimestampMs>(t * speedup_ * 1000) % span;
  const auto& s = series_[i];
  auto it = std::upper_bound(s.begin(), s.end(), std::make_pair(at, 1e300));
  const double standard = it == s.begin() ? s.front().second : std::prev(it)->second;
  // The map converts register units to standard ones linearly; serve the inverse.
  const double shift = acquire::to_standard_unit(spec.sensor, spec.unit, 0.0, spec.place);
  const double factor = acquire::to_standard_unit(spec.sensor, spec.unit, 1.0, spec.place) - shift;
  return (standard - shift) / factor;
}

}  // namespace xinzhi::twin
