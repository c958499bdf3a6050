// The ways a machine wears out in the twin: each failure mode names the component that fails,
// the fault category used as a label in technician logs, and how growing wear shows in each
// sensor before the failure (so a model can learn to predict it).
#pragma once

#include <array>

namespace xinzhi::twin {

struct FailureModeInfo {
  const char* name;          // fault category and failures.csv mode, e.g. "bearing_wear"
  const char* component_en;  // failures.csv component
  const char* component_zh;
  // Effect of wear at its worst (wear = 1, machine running) on each sensor:
  double vibration_mm_s, temperature_c, pressure_kpa, power_share, speed_share;
};

inline constexpr std::array<FailureModeInfo, 6> kFailureModes = {{
    {"bearing_wear", "spindle bearing", "主轴轴承", 8.0, 6.0, 0.0, 0.05, 0.0},
    {"overheating", "spindle motor", "主轴电机", 2.0, 22.0, 0.0, 0.08, 0.0},
    {"coolant_leak", "coolant pump", "冷却泵", 1.5, 12.0, -140.0, 0.0, 0.0},
    {"hydraulic_leak", "hydraulic unit", "液压站", 2.5, 3.0, -180.0, 0.04, 0.0},
    {"tool_wear", "cutting tool", "刀具", 5.0, 4.0, 0.0, 0.25, 0.0},
    {"electrical_fault", "servo drive", "伺服驱动器", 2.0, 5.0, 0.0, 0.35, -0.06},
}};

}  // namespace xinzhi::twin
