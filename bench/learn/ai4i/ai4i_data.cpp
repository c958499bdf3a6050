#include "ai4i_data.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string_view>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "number_field.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace xinzhi::bench {

namespace {

constexpr std::string_view kHeader =
    "UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],"
    "Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF";

int flag(std::string_view f, const std::string& path, long line, std::size_t field) {
  if (f == "0") return 0;
  if (f == "1") return 1;
  throw InputError(place(path, line), fmt::format("field {} should be 0 or 1: {}", field + 1, quoted_excerpt(f)));
}

}  // namespace

std::vector<Ai4iRow> read_ai4i(const std::string& path) {
  std::string text = read_file(path);
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UCI's file starts with a byte-order mark
  std::vector<Ai4iRow> rows;
  std::vector<std::string_view> f;
  std::string storage;
  for_each_line(text, [&](long no, std::string_view line) {
    if (no == 1) {
      if (line != kHeader) throw InputError(place(path, 1), "not the AI4I 2020 header (UDI,Product ID,Type,...,RNF)");
      return;
    }
    if (trim(line).empty()) return;
    if (!split_csv(line, f, storage)) throw InputError(place(path, no), "a quote does not close");
    if (f.size() != 14) throw InputError(place(path, no), fmt::format("expected 14 fields, found {}", f.size()));
    Ai4iRow r;
    if (f[2] == "L") r.type = 0;
    else if (f[2] == "M") r.type = 1;
    else if (f[2] == "H") r.type = 2;
    else throw InputError(place(path, no), fmt::format("field 3: type {} is not L, M or H", quoted_excerpt(f[2])));
    r.air_k = number_field(f[3], path, no, 3);
    r.process_k = number_field(f[4], path, no, 4);
    r.speed_rpm = number_field(f[5], path, no, 5);
    r.torque_nm = number_field(f[6], path, no, 6);
    r.wear_min = number_field(f[7], path, no, 7);
    r.machine_failure = flag(f[8], path, no, 8);
    for (std::size_t m = 0; m < 5; ++m) r.mode[m] = flag(f[9 + m], path, no, 9 + m);
    rows.push_back(r);
  });
  if (rows.empty()) throw InputError(path, "no rows");
  return rows;
}

std::vector<std::string> ai4i_feature_names() {
  return {"type",        "air_k",      "process_k",         "speed_rpm",  "torque_nm",
          "wear_min",    "temp_diff_k", "power_w",          "wear_torque", "overstrain_margin",
          "hdf_margin",  "pwf_margin", "hdf_rule",          "pwf_rule",   "osf_rule"};
}

std::vector<float> ai4i_features(const Ai4iRow& r) {
  // In double, from the readings as read, before the cast to float: the labels follow the rules
  // evaluated in double. 128 rows have a nominal difference of exactly 8.6 K, and whether such a
  // row with a speed under 1380 rpm is HDF follows the double rounding of the subtraction
  // (309.4 - 300.8 = 8.59999999999997: HDF; 311.0 - 302.4 = 8.60000000000002: not), which the
  // float of the difference (the same float for both) cannot tell apart.
  const double diff = r.process_k - r.air_k;
  const double power = r.torque_nm * r.speed_rpm * 2 * std::numbers::pi / 60;
  const double strain = r.wear_min * r.torque_nm;
  const double limit = 11000 + 1000 * r.type;
  // Below 0 exactly when the mode's condition holds: heat dissipation needs both a difference
  // under 8.6 K and a speed under 1380 rpm (100 rpm weighed as 1 K), power failure a power
  // outside [3500, 9000] W; the overstrain margin is above 0 when the strain passes the limit.
  const double hdf = std::max(diff - 8.6, (r.speed_rpm - 1380) / 100);
  const double pwf = std::min(power - 3500, 9000 - power);
  const double osf = strain - limit;
  auto f = [](double v) { return static_cast<float>(v); };
  return {f(r.type),      f(r.air_k),    f(r.process_k),  f(r.speed_rpm),  f(r.torque_nm),
          f(r.wear_min),  f(diff),       f(power),        f(strain),       f(osf),
          f(hdf),         f(pwf),        f(hdf < 0),      f(pwf < 0),      f(osf > 0)};
}

}  // namespace xinzhi::bench
