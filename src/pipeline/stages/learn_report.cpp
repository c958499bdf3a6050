#include "pipeline/stages/learn_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/html.hpp"

namespace xinzhi::pipeline {

namespace {

struct Risk : learn::MachineRisk {
  std::string pm;  // when maintenance was planned, or ""
};

std::map<std::string, Risk> risks(const LearnReport& r) {
  std::map<std::string, Risk> by;
  for (const auto& [machine, k] : learn::machine_risks(r.predictions)) by[machine] = Risk{k, ""};
  for (const auto& w : r.windows)
    if (by.count(w.machine)) by[w.machine].pm = format_iso8601(w.start).substr(0, 16) + "Z";
  return by;
}

std::string unit_of(const LearnReport& r, const std::string& machine, const std::string& sensor) {
  for (const auto& s : r.sensors)
    if (s.machine == machine && s.sensor == sensor) return s.unit;
  return "";
}

// One machine: each wear sensor's hourly mean with the hours of its alarms as dots on the line,
// then the detector's score with its threshold, up to the prediction time.
std::string machine_charts(const LearnReport& r, const std::string& machine) {
  const auto& alarms = *r.alarms;
  const auto it = alarms.traces.find(machine);
  if (it == alarms.traces.end()) return "";
  const learn::MachineTrace& tr = it->second;
  std::vector<double> x;
  std::size_t n = 0;
  while (n < tr.hour.size() && tr.hour[n] <= r.predict_at) x.push_back(static_cast<double>(tr.hour[n++]));
  if (n == 0) return "";
  std::vector<bool> alarm_hour(n, false);
  std::size_t count = 0;
  for (const auto& a : alarms.opened)
    if (a.machine == machine && a.ts <= r.predict_at) {
      const auto h = std::lower_bound(tr.hour.begin(), tr.hour.begin() + static_cast<long>(n), a.ts / 3'600'000 * 3'600'000);
      if (h != tr.hour.begin() + static_cast<long>(n)) alarm_hour[static_cast<std::size_t>(h - tr.hour.begin())] = true, ++count;
    }
  std::string out = fmt::format("<h4>{}: {} alarm{} before {}</h4>", machine, count, count == 1 ? "" : "s",
                                format_iso8601(r.predict_at).substr(0, 16) + "Z");
  for (const char* want : {"vibration", "temperature"}) {
    const auto s = std::find(alarms.sensors.begin(), alarms.sensors.end(), want);
    if (s == alarms.sensors.end()) continue;
    const auto& mean = tr.sensor_mean[static_cast<std::size_t>(s - alarms.sensors.begin())];
    std::vector<double> y(mean.begin(), mean.begin() + static_cast<long>(n)), dots(n, NAN);
    for (std::size_t k = 0; k < n; ++k)
      if (alarm_hour[k]) dots[k] = y[k];
    out += html::line_chart(fmt::format("{} {}, hourly mean; alarms as red dots", machine, want),
                            {{want, x, y, ""}, {"alarm", x, dots, "#d62728"}}, true, unit_of(r, machine, want), 720, 180);
  }
  std::vector<double> score(tr.max_score.begin(), tr.max_score.begin() + static_cast<long>(n));
  out += html::line_chart(fmt::format("{} anomaly score (highest of each hour) and the alarm threshold", machine),
                          {{"anomaly score", x, score, ""}, {"threshold", x, std::vector<double>(n, r.alarm_threshold), html::kMuted.data()}},
                          true, "score", 720, 160);
  return out;
}

}  // namespace

std::string learn_report_html(const LearnReport& r) {
  const learn::FailureModel& model = *r.model;
  const auto by = risks(r);
  std::string html = fmt::format(
      "<h3>Failure risk at {}</h3><p>The model's own rule plans maintenance where the risk is at least {:.2f}: on the "
      "history's validation part that threshold gains the most machine hours when a true alarm saves the mean repair "
      "({:.1f} h) and every alarm costs a {:.0f} h maintenance (the best-F1 threshold would be {:.2f}); a schedule "
      "stage with <code>maintenance: priced</code> decides instead, by simulating its plan (see there). The hours to failure "
      "come with their 80% interval (the errors on validation).</p>",
      format_iso8601(r.predict_at), model.pm_threshold, model.repair_h, model.pm_hours, model.threshold);
  std::vector<std::pair<std::string, Risk>> order(by.begin(), by.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second.p > b.second.p; });
  std::vector<html::Bar> bars;
  std::vector<std::vector<std::string>> rows;
  for (const auto& [machine, k] : order) {
    bars.push_back({machine + (k.pm.empty() ? "" : " (maintain)"), k.p});
    rows.push_back({machine, fmt::format("{:.2f}", k.p), fmt::format("{:.0f}", k.hours),
                    fmt::format("{:.0f} to {:.0f}", k.low, k.high), k.pm.empty() ? "—" : k.pm});
  }
  html += html::bar_chart(fmt::format("P(failure within {:.0f} h) per machine", model.horizon_h), bars, "");
  html += html::table({"machine", "#P(failure within " + fmt::format("{:.0f}", model.horizon_h) + " h)",
                       "#expected hours to failure", "#80% interval (h)", "preventive maintenance planned at"},
                      rows);
  if (model.test.positives > 0 && model.test.average_precision < 0.3)
    html += "<p><b>Warning:</b> the model finds failures poorly on its test part (average precision under 0.3); "
            "plans made around its predictions will gain little.</p>";
  // The sensors of the machines most at risk, then of those with the most alarms.
  std::vector<std::string> chart;
  for (const auto& [machine, k] : order)
    if (chart.size() < r.machines_charted / 2 + r.machines_charted % 2) chart.push_back(machine);
  std::map<std::string, std::size_t> alarm_count;
  for (const auto& a : r.alarms->opened)
    if (a.ts <= r.predict_at) ++alarm_count[a.machine];
  std::vector<std::pair<std::string, std::size_t>> by_alarms(alarm_count.begin(), alarm_count.end());
  std::stable_sort(by_alarms.begin(), by_alarms.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [machine, c] : by_alarms)
    if (chart.size() < r.machines_charted && std::find(chart.begin(), chart.end(), machine) == chart.end())
      chart.push_back(machine);
  html += "<h3>What the model saw: the sensors of the machines most at risk and most alarmed</h3>";
  for (const auto& machine : chart) html += machine_charts(r, machine);
  return html;
}

}  // namespace xinzhi::pipeline
