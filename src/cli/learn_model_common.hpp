// What `xinzhi learn train`, `eval` and `predict` share: times given on the command line, the
// warehouse's cleaned sensors checked before anything is written to it, the machines' detector
// run before the features are built (a machine's alarms of the last day are one of them), a
// part's metrics as a table row, and the command line as a shell would take it back.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"
#include "learn/plant/failure_model.hpp"
#include "learn/plant/machine_alarms.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::cli {

// The time an option gives (ISO-8601, e.g. 2026-01-07T06:00:00Z); an InputError naming the
// option when it is not one.
TimestampMs parse_time_option(const std::string& option, const std::string& text);

// The sensors of the warehouse's cleaned readings (clean_aligned), sorted; refuses a warehouse
// without any (not cleaned yet).
std::vector<std::string> cleaned_sensors(store::Database& db);

// Refuses a warehouse whose cleaned readings lack one of the model's sensors: before the
// detector writes alarms made without it.
void require_model_sensors(store::Database& db, const learn::FailureModel& model);

// The machines' multivariate detector over the warehouse's cleaned readings of `sensors` (empty:
// all), its alarms replacing the rule's earlier ones in the alarms table.
learn::MachineAlarmSummary detect_alarms(store::Database& db, const std::vector<std::string>& sensors,
                                         double threshold);

// The alarm threshold option's check (in (0, 1], as the pipeline's learn stage requires).
void check_alarm_threshold(double threshold);

// "part  rows  failing  average precision ..." and one row of it.
std::string metrics_header();
std::string metrics_row(const std::string& part, const learn::SplitMetrics& s);

// This process's command line, each word quoted where a shell would need it.
std::string quoted_command_line();

}  // namespace xinzhi::cli
