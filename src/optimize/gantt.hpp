// Gantt charts of a schedule: a self-contained SVG (machines as rows, jobs coloured,
// unavailable windows hatched) for reports, and JSON for an ECharts custom series
// (data items value = [machine index, start, end, job index, op], windows likewise). A job's
// colour is html::palette(its index), the same in both.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "optimize/schedule.hpp"

namespace xinzhi::optimize {

std::string gantt_svg(const Instance& inst, const Schedule& s, const std::string& title = "");
nlohmann::json gantt_json(const Instance& inst, const Schedule& s);

}  // namespace xinzhi::optimize
