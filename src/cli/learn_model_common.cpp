#include "cli/learn_model_common.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "cli/own_command_line.hpp"
#include "core/error.hpp"
#include "store/clean_tables.hpp"

namespace xinzhi::cli {

TimestampMs parse_time_option(const std::string& option, const std::string& text) {
  const auto t = parse_iso8601(text);
  if (!t) throw InputError(option, fmt::format("'{}' is not an ISO-8601 time (e.g. 2026-01-07T06:00:00Z)", text));
  return *t;
}

std::vector<std::string> cleaned_sensors(store::Database& db) {
  std::vector<std::string> have = store::clean_aligned_sensors(db);
  if (have.empty())
    throw InputError(db.path(), fmt::format("no cleaned readings (run `xinzhi clean --db {}` first)", db.path()));
  return have;
}

void require_model_sensors(store::Database& db, const learn::FailureModel& model) {
  cleaned_sensors(db);  // none at all: say to clean first
  learn::check_model_sensors(model, db);
}

learn::MachineAlarmSummary detect_alarms(store::Database& db, const std::vector<std::string>& sensors,
                                         double threshold) {
  learn::MachineAlarmOptions o;
  o.sensors = sensors;
  o.threshold = threshold;
  return learn::detect_machine_alarms(db, o);
}

void check_alarm_threshold(double threshold) {
  if (!(threshold > 0 && threshold <= 1)) throw UsageError(fmt::format("--alarm-threshold {} must be in (0, 1]", threshold));
}

std::string metrics_header() {
  return fmt::format("  {:<10} {:>6} {:>7} {:>7} {:>6} {:>9} {:>9} {:>6} {:>6} {:>8} {:>7}\n", "part", "rows", "failing",
                     "mean p", "Brier", "avg prec", "precision", "recall", "F1", "RMSE (h)", "MAE (h)");
}

std::string metrics_row(const std::string& part, const learn::SplitMetrics& s) {
  return fmt::format("  {:<10} {:>6} {:>7} {:>7.3f} {:>6.3f} {:>9.3f} {:>9.3f} {:>6.3f} {:>6.3f} {:>8.1f} {:>7.1f}\n", part,
                     s.rows, s.positives, s.mean_probability, s.brier, s.average_precision, s.precision, s.recall, s.f1, s.rmse_h, s.mae_h);
}

std::string quoted_command_line() {
  std::string out;
  for (const auto& a : own_command_line_without({})) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("_./:=,@%+-").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

}  // namespace xinzhi::cli
