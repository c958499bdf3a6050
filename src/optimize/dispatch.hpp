// Dispatching rules (FIFO, SPT, LPT, MWKR, EDD, ATC): the planner's everyday baselines and
// the starting points of the searches. Schedules are built by a Giffler–Thompson style
// generation (the machine that can finish first picks among its competing operations by the
// rule), respecting release dates and machine calendars.
#pragma once

#include <string>
#include <vector>

#include "optimize/schedule.hpp"

namespace xinzhi::optimize {

enum class Rule { fifo, spt, lpt, mwkr, edd, atc };

Rule parse_rule(const std::string& name);  // case-insensitive; UsageError for unknown names
std::string rule_name(Rule rule);
std::vector<Rule> all_rules();

Solution dispatch(const FlatShop& shop, Rule rule);

}  // namespace xinzhi::optimize
