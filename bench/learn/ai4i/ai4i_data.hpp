// Reader for the UCI AI4I 2020 predictive-maintenance file as published (ai4i2020.csv: a UTF-8
// byte-order mark, CRLF lines, the header UDI,Product ID,Type,Air temperature [K],...,RNF), and
// the engineered features ours and the Python peer both use. Benchmark code, not product.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace xinzhi::bench {

struct Ai4iRow {
  int type = 0;  // L 0, M 1, H 2 (the quality variant)
  double air_k = 0, process_k = 0, speed_rpm = 0, torque_nm = 0, wear_min = 0;
  int machine_failure = 0;
  std::array<int, 5> mode{};  // TWF, HDF, PWF, OSF, RNF
};

inline constexpr std::array<const char*, 5> kAi4iModes = {"TWF", "HDF", "PWF", "OSF", "RNF"};

// Throws InputError naming file:line for another header, a ragged line, a field that is not a
// number, an unknown type or a label other than 0 / 1.
std::vector<Ai4iRow> read_ai4i(const std::string& path);

// The features, computed from the inputs only (never from the failure columns): the five
// readings and the type, and the physics the data's description gives for its failure modes:
// temperature difference and a heat-dissipation margin (below 0 when the difference is under
// 8.6 K and the speed under 1380 rpm), power = torque x speed in rad/s and its margin to the
// power-failure band [3500, 9000] W, tool wear x torque and its margin to the type's overstrain
// limit (11,000 / 12,000 / 13,000 min Nm for L / M / H), and the three rules as 0 / 1 flags.
// Margins and flags are computed in double from the readings, so that they hold exactly where
// the labels' rules hold. The flags matter: trees over the margins alone split them on histogram
// bins that straddle 0 (machine failure, fold-mean F1 0.866 with the margins alone, 0.916 with
// the flags too, both with ai4i_bench's inner threshold; Python prototype of the same protocol).
std::vector<std::string> ai4i_feature_names();
std::vector<float> ai4i_features(const Ai4iRow& row);

}  // namespace xinzhi::bench
